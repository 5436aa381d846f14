using System.Net;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Live;

/// <summary>The SignalR hub at /hubs/crm: authenticated, and joins only customers the caller may see (R7.3, R7.4).</summary>
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

    private async Task<HubConnection> ConnectAsync(string login, string password)
    {
        var cookies = new CookieContainer();
        using (var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(_app.ServerAddress) })
        {
            var signIn = await FormPost.SignInAsync(http, login, password);
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        }

        var connection = new HubConnectionBuilder()
            .WithUrl(_app.ServerAddress + CrmHub.Path, o =>
            {
                o.Cookies = cookies;
                o.Transports = HttpTransportType.WebSockets | HttpTransportType.LongPolling;
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }
}
