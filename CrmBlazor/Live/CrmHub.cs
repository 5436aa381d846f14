using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Live;

/// <summary>
/// SignalR hub for non-Blazor clients (/hubs/crm). It serves the same live events as the app, but only for
/// customers the caller may see: a join for any other customer is refused and logged (R7.4). Open connections follow access
/// changes (<see cref="HubAccessEnforcer"/>): they leave customers their user no longer sees and close when their session
/// ends or the account is deactivated (#20).
/// </summary>
[Authorize]
public sealed class CrmHub(IDbContextFactory<CrmDbContext> dbFactory, HubConnections connections, ILogger<CrmHub> logger) : Hub
{
    public const string Path = "/hubs/crm";

    public static string CustomerGroup(int customerId) => "customer:" + customerId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string UserGroup(string userId) => "user:" + userId;

    public override async Task OnConnectedAsync()
    {
        var id = Context.User?.FindFirstValue(ClaimTypes.NameIdentifier);
        if (id is not null)
        {
            connections.Add(Context, id);
            await Groups.AddToGroupAsync(Context.ConnectionId, UserGroup(id));
        }

        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Starts receiving the live events of one customer.</summary>
    public async Task JoinCustomer(int customerId)
    {
        var userId = Context.User?.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new HubException("Sign in first.");
        var user = await CurrentUser.LoadAsync(dbFactory, userId, Context.ConnectionAborted);
        if (!await HubAccessEnforcer.MaySeeAsync(dbFactory, user, customerId, Context.ConnectionAborted))
        {
            logger.LogWarning("Refused hub join of user {User} to customer {Customer}: outside their scope.", userId, customerId);
            throw new HubException("You may not see this customer.");
        }

        connections.Find(Context.ConnectionId)?.Watch(customerId);
        await Groups.AddToGroupAsync(Context.ConnectionId, CustomerGroup(customerId));
    }

    public Task LeaveCustomer(int customerId)
    {
        connections.Find(Context.ConnectionId)?.Unwatch(customerId);
        return Groups.RemoveFromGroupAsync(Context.ConnectionId, CustomerGroup(customerId));
    }
}

/// <summary>Forwards live events from the bus to hub clients. A client joined a customer's group only after its scope check;
/// after each event the access it changed is applied to open connections (<see cref="HubAccessEnforcer"/>), before the next
/// event is forwarded.</summary>
public sealed class HubEventForwarder(ILiveEventBus bus, IHubContext<CrmHub> hub, HubAccessEnforcer access) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(ForwardAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task ForwardAsync(LiveEvent e)
    {
        await SendAsync(e);
        await access.ApplyAsync(e);
    }

    private Task SendAsync(LiveEvent e) => e switch
    {
        CustomerChanged c => hub.Clients.Group(CrmHub.CustomerGroup(c.CustomerId)).SendAsync("customerChanged", c),
        ICustomerEvent c => hub.Clients.Group(CrmHub.CustomerGroup(c.CustomerId)).SendAsync(Camel(e.GetType().Name), e),
        IUserEvent u => hub.Clients.Group(CrmHub.UserGroup(u.UserId)).SendAsync(Camel(e.GetType().Name), e),
        _ => Task.CompletedTask,
    };

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}

/// <summary>An event about one customer: forwarded to hub clients that joined that customer.</summary>
public interface ICustomerEvent
{
    int CustomerId { get; }
}

/// <summary>An event for one user: forwarded to that user's hub connections.</summary>
public interface IUserEvent
{
    string UserId { get; }
}
