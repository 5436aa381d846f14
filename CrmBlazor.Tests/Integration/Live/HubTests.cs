using System.Net;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Admin;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Live;

/// <summary>The SignalR hub at /hubs/crm: authenticated, same-origin for browsers, joins only customers the caller may see, and
/// follows access changes of open connections (R7.3, R7.4, #20).</summary>
public sealed class HubTests : IAsyncLifetime
{
    private CrmAppFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new CrmAppFactory(kestrel: true);
        _app.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Anonymous_negotiate_is_refused()
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(_app.ServerAddress + CrmHub.Path + "/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_join_outside_the_scope_is_refused_and_an_own_customer_streams_events()
    {
        var lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault);
        var own = await _app.CreateCustomerAsync("Khách của Lan", "0912000001", lan);
        var foreign = await _app.CreateCustomerAsync("Khách của admin", "0912000002", await _app.AdminIdAsync());

        await using var hub = await ConnectAsync("lan", "Lan@12345678");
        var ex = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("JoinCustomer", foreign));
        Assert.Contains("may not see", ex.Message, StringComparison.Ordinal);

        var received = new TaskCompletionSource<CustomerChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<CustomerChanged>("customerChanged", e => received.TrySetResult(e));
        await hub.InvokeAsync("JoinCustomer", own);

        var bus = _app.Services.GetRequiredService<ILiveEventBus>();
        bus.Publish(new CustomerChanged(foreign, ChangeKinds.Updated, null)); // must not arrive
        bus.Publish(new CustomerChanged(own, ChangeKinds.Updated, null));
        var e = await received.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(own, e.CustomerId);
    }

    [Fact]
    public async Task A_request_from_a_foreign_origin_is_refused_and_the_own_origin_is_not()
    {
        await _app.CreateUserAsync("mai", "Mai@Khach2468", Rights.SalesDefault);
        var cookies = await _app.SignInAsync("mai", "Mai@Khach2468");
        using var http = _app.HttpClient(cookies);
        // Another origin on the same host: a page on another port, with the user's cookie.
        var foreign = "http://127.0.0.1:" + (new Uri(_app.ServerAddress).Port + 1);

        foreach (var path in new[] { CrmHub.Path + "/negotiate?negotiateVersion=1", "/_blazor/negotiate?negotiateVersion=1" })
        {
            using var refused = new HttpRequestMessage(HttpMethod.Post, path) { Headers = { { "Origin", foreign } } };
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(refused)).StatusCode);
            using var own = new HttpRequestMessage(HttpMethod.Post, path) { Headers = { { "Origin", _app.ServerAddress } } };
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(own)).StatusCode);
        }

        // The WebSocket itself, opened straight away as a foreign page's script would.
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => _app.ConnectHubAsync(cookies, o =>
        {
            o.SkipNegotiation = true;
            o.Transports = HttpTransportType.WebSockets;
            o.Headers["Origin"] = foreign;
        }));
        Assert.Contains("403", ex.ToString(), StringComparison.Ordinal);

        // Without an Origin (a non-browser client) and from the app's own pages the hub works as before.
        await using var plain = await _app.ConnectHubAsync(cookies);
        await using var own2 = await _app.ConnectHubAsync(cookies, o => o.Headers["Origin"] = _app.ServerAddress);
        Assert.Equal(HubConnectionState.Connected, own2.State);
    }

    [Fact]
    public async Task After_a_customer_is_reassigned_away_an_open_connection_no_longer_receives_its_events()
    {
        var lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault);
        var moved = await _app.CreateCustomerAsync("Khách chuyển đi", "0912000011", lan);
        var kept = await _app.CreateCustomerAsync("Khách ở lại", "0912000012", lan);
        await using var hub = await ConnectAsync("lan", "Lan@12345678");
        var received = new List<int>();
        var keptArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<CustomerChanged>("customerChanged", e =>
        {
            lock (received)
            {
                received.Add(e.CustomerId);
            }

            if (e.CustomerId == kept && e.Kind == ChangeKinds.Updated)
            {
                keptArrived.TrySetResult();
            }
        });
        await hub.InvokeAsync("JoinCustomer", moved);
        await hub.InvokeAsync("JoinCustomer", kept);

        // The admin gives the customer to himself (one write path, which publishes the owner change).
        var adminId = await _app.AdminIdAsync();
        var admin = (await CurrentUser.LoadAsync(_app.DbFactory, adminId))!;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var customers = scope.ServiceProvider.GetRequiredService<CustomerService>();
            var result = await customers.BulkAsync(admin, new BulkRequest(BulkKind.ChangeOwner, [moved], OwnerId: adminId));
            Assert.Equal(1, result.Changed);
        }

        // Events are forwarded in order: when the later event of the kept customer arrives, the moved one's would have too.
        var bus = _app.Services.GetRequiredService<ILiveEventBus>();
        bus.Publish(new CustomerChanged(moved, ChangeKinds.Updated, adminId));
        bus.Publish(new CustomerChanged(kept, ChangeKinds.Updated, adminId));
        await keptArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        lock (received)
        {
            Assert.DoesNotContain(moved, received);
        }
    }

    [Fact]
    public async Task A_deactivated_users_open_connection_is_closed()
    {
        var lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault);
        await using var hub = await ConnectAsync("lan", "Lan@12345678");
        var closed = hub.ClosedTask();

        var admin = (await CurrentUser.LoadAsync(_app.DbFactory, await _app.AdminIdAsync()))!;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAdminService>().DeactivateAsync(admin, lan);
        }

        await closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    private async Task<HubConnection> ConnectAsync(string login, string password) =>
        await _app.ConnectHubAsync(await _app.SignInAsync(login, password));
}
