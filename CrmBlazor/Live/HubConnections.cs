using System.Collections.Concurrent;
using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Security;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Live;

/// <summary>
/// The hub connections of this instance: whose they are, which sign-in session they came with and which customers they
/// joined — so that access changes reach connections that are already open (#20): a connection leaves a customer its user
/// may no longer see, and a connection whose session ended or whose account was deactivated is closed.
/// </summary>
public sealed class HubConnections
{
    private readonly ConcurrentDictionary<string, HubClient> _clients = new(StringComparer.Ordinal);

    public int Count => _clients.Count;

    public void Add(HubCallerContext context, string userId) => _clients[context.ConnectionId] = new HubClient(context, userId);

    public void Remove(string connectionId) => _clients.TryRemove(connectionId, out _);

    public HubClient? Find(string connectionId) => _clients.GetValueOrDefault(connectionId);

    public IEnumerable<HubClient> OfUser(string userId) => _clients.Values.Where(c => c.UserId == userId);

    public IEnumerable<HubClient> Watching(IReadOnlyCollection<int> customerIds) =>
        _clients.Values.Where(c => customerIds.Any(c.IsWatching));
}

/// <summary>One open hub connection.</summary>
public sealed class HubClient(HubCallerContext context, string userId)
{
    private readonly Lock _gate = new();
    private readonly HashSet<int> _customers = [];

    public string ConnectionId => context.ConnectionId;
    public string UserId { get; } = userId;
    public ClaimsPrincipal Principal => context.User ?? new ClaimsPrincipal();

    public bool IsWatching(int customerId)
    {
        lock (_gate)
        {
            return _customers.Contains(customerId);
        }
    }

    public int[] Customers()
    {
        lock (_gate)
        {
            return [.. _customers];
        }
    }

    public void Watch(int customerId)
    {
        lock (_gate)
        {
            _customers.Add(customerId);
        }
    }

    public void Unwatch(int customerId)
    {
        lock (_gate)
        {
            _customers.Remove(customerId);
        }
    }

    /// <summary>Closes the connection from the server.</summary>
    public void Abort() => context.Abort();
}

/// <summary>
/// Applies access changes to open hub connections (#20). Called by <see cref="HubEventForwarder"/> after it has forwarded an
/// event and before the next one: an event that follows a reassignment never reaches the connection that lost the
/// customer.
/// </summary>
public sealed class HubAccessEnforcer(HubConnections connections, IHubContext<CrmHub> hub, UserSessions sessions,
    IDbContextFactory<CrmDbContext> dbFactory, ILogger<HubAccessEnforcer> logger)
{
    public Task ApplyAsync(LiveEvent e) => e switch
    {
        SessionEnded ended => EndSessionAsync(ended),
        UserAccessChanged changed => RecheckUserAsync(changed.UserId),
        CustomerChanged c when ChangesScope(c.Kind, c.Changes) => RecheckCustomersAsync([c.CustomerId]),
        CustomersChanged c when ChangesScope(c.Kind, c.Changes) => RecheckCustomersAsync(c.CustomerIds),
        _ => Task.CompletedTask,
    };

    /// <summary>Whether the customer may still be seen by the users who joined it: it is an owner or related-users change,
    /// or it went to the trash (or came back, or was purged).</summary>
    private static bool ChangesScope(string kind, CustomerChange changes) =>
        (ChangeKinds.WithKind(kind, changes) & (CustomerChange.Owner | CustomerChange.Lifecycle)) != 0;

    /// <summary>True when the user (null: deactivated) may see the customer; what the hub's join checks.</summary>
    public static async Task<bool> MaySeeAsync(IDbContextFactory<CrmDbContext> dbFactory, UserAccess? user, int customerId, CancellationToken ct)
    {
        if (user is null)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CustomerScope.CanSee(db, user, customerId, includeTrashed: false, ct);
    }

    private Task EndSessionAsync(SessionEnded ended)
    {
        foreach (var client in connections.OfUser(ended.UserId).Where(c => sessions.Ends(ended, c.Principal)))
        {
            Close(client, "its session ended");
        }

        return Task.CompletedTask;
    }

    private async Task RecheckUserAsync(string userId)
    {
        var clients = connections.OfUser(userId).ToList();
        if (clients.Count == 0)
        {
            return;
        }

        var user = await CurrentUser.LoadAsync(dbFactory, userId);
        foreach (var client in clients)
        {
            if (user is null || !await sessions.IsValidAsync(client.Principal, fresh: true))
            {
                Close(client, "the account or its session is no longer valid");
                continue;
            }

            await LeaveUnseenAsync(client, user, client.Customers());
        }
    }

    private async Task RecheckCustomersAsync(IReadOnlyList<int> customerIds)
    {
        var ids = customerIds.ToHashSet();
        var users = new Dictionary<string, UserAccess?>(StringComparer.Ordinal);
        foreach (var client in connections.Watching(ids).ToList())
        {
            if (!users.TryGetValue(client.UserId, out var user))
            {
                users[client.UserId] = user = await CurrentUser.LoadAsync(dbFactory, client.UserId);
            }

            await LeaveUnseenAsync(client, user, client.Customers().Where(ids.Contains));
        }
    }

    private async Task LeaveUnseenAsync(HubClient client, UserAccess? user, IEnumerable<int> customerIds)
    {
        var ids = customerIds.ToList();
        if (ids.Count == 0)
        {
            return;
        }

        // One scoped query for all the connection's customers, not one per customer.
        var visible = new HashSet<int>();
        if (user is not null)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            visible.UnionWith(await CustomerScope.Visible(db, user).Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync());
        }

        foreach (var customerId in ids.Where(id => !visible.Contains(id)))
        {
            client.Unwatch(customerId);
            await hub.Groups.RemoveFromGroupAsync(client.ConnectionId, CrmHub.CustomerGroup(customerId));
            logger.LogInformation("Hub connection of user {User} left customer {Customer}: no longer in their scope.", client.UserId, customerId);
        }
    }

    private void Close(HubClient client, string why)
    {
        logger.LogInformation("Closing a hub connection of user {User}: {Why}.", client.UserId, why);
        connections.Remove(client.ConnectionId);
        client.Abort();
    }
}
