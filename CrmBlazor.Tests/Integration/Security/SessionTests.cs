using System.Net;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Admin;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Security;

/// <summary>
/// Sessions end on the server (#20): signing out ends this session — a copy of its cookie stops opening pages, the export
/// and the hub — and "sign out everywhere" ends every session of the user, closing their open hub connections.
/// </summary>
public sealed class SessionTests : IAsyncLifetime
{
    private const string Password = "Phien@Dang-Nhap-24";
    private static readonly string[] Protected = ["/customers", "/customers/export?format=csv"];

    private CrmAppFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new CrmAppFactory(kestrel: true);
        _app.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Signing_out_ends_this_session_for_every_copy_of_its_cookie_but_not_the_users_other_sessions()
    {
        await _app.CreateUserAsync("hoa", Password, Rights.SalesDefault | Rights.CustomersExport);
        var mine = await _app.SignInAsync("hoa", Password);
        var copied = _app.Copy(mine);
        var otherDevice = await _app.SignInAsync("hoa", Password);
        using (var thief = _app.HttpClient(copied))
        {
            await AssertOpensAsync(thief);
        }

        using (var browser = _app.HttpClient(mine))
        {
            var signOut = await FormPost.SignOutAsync(browser);
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }

        using (var thief = _app.HttpClient(copied))
        {
            await AssertSignedOutAsync(thief);
        }

        using var other = _app.HttpClient(otherDevice);
        await AssertOpensAsync(other);
    }

    [Fact]
    public async Task Signing_out_everywhere_ends_the_other_sessions_and_closes_their_hub_connections()
    {
        var userId = await _app.CreateUserAsync("hoa", Password, Rights.SalesDefault | Rights.CustomersExport);
        var laptop = await _app.SignInAsync("hoa", Password);
        var phone = await _app.SignInAsync("hoa", Password);
        await using var phoneHub = await _app.ConnectHubAsync(phone);
        var closed = phoneHub.ClosedTask();
        using (var client = _app.HttpClient(phone))
        {
            await AssertOpensAsync(client);
        }

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var me = (await CurrentUser.LoadAsync(_app.DbFactory, userId))!;
            await scope.ServiceProvider.GetRequiredService<ProfileService>().SignOutEverywhereAsync(me);
        }

        await closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HubConnectionState.Disconnected, phoneHub.State);
        foreach (var jar in new[] { phone, laptop })
        {
            using var client = _app.HttpClient(jar);
            await AssertSignedOutAsync(client);
        }

        // Signing in again starts a new session that works.
        using var again = _app.HttpClient(await _app.SignInAsync("hoa", Password));
        await AssertOpensAsync(again);
    }

    private static async Task AssertOpensAsync(HttpClient client)
    {
        foreach (var path in Protected)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(CrmHub.Path + "/negotiate?negotiateVersion=1", null)).StatusCode);
    }

    private static async Task AssertSignedOutAsync(HttpClient client)
    {
        foreach (var path in Protected)
        {
            var response = await client.GetAsync(path);
            Assert.True(KestrelClients.AsksToSignIn(response), $"{path}: {(int)response.StatusCode} {response.Headers.Location}");
        }

        var negotiate = await client.PostAsync(CrmHub.Path + "/negotiate?negotiateVersion=1", null);
        Assert.True(KestrelClients.AsksToSignIn(negotiate), $"negotiate: {(int)negotiate.StatusCode}");
    }
}
