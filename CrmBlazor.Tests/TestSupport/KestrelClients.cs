using System.Net;
using CrmBlazor.Live;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>Real HTTP clients of an app on Kestrel (<c>new CrmAppFactory(kestrel: true)</c>): cookie jars and hub connections.</summary>
public static class KestrelClients
{
    /// <summary>Signs in through the login form and returns the cookie jar (one session).</summary>
    public static async Task<CookieContainer> SignInAsync(this CrmAppFactory app, string login, string password)
    {
        var cookies = new CookieContainer();
        using var http = app.HttpClient(cookies);
        var signIn = await FormPost.SignInAsync(http, login, password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return cookies;
    }

    /// <summary>A client with <paramref name="cookies"/> that does not follow redirects.</summary>
    public static HttpClient HttpClient(this CrmAppFactory app, CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(app.ServerAddress) };

    /// <summary>A copy of the jar, as someone who copied the cookie would hold it.</summary>
    public static CookieContainer Copy(this CrmAppFactory app, CookieContainer cookies)
    {
        var copy = new CookieContainer();
        copy.Add(cookies.GetCookies(new Uri(app.ServerAddress)));
        return copy;
    }

    /// <summary>A started connection to /hubs/crm with the jar's cookie.</summary>
    public static async Task<HubConnection> ConnectHubAsync(this CrmAppFactory app, CookieContainer cookies, Action<HttpConnectionOptions>? configure = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(app.ServerAddress + CrmHub.Path, o =>
            {
                o.Cookies = cookies;
                o.Transports = HttpTransportType.WebSockets | HttpTransportType.LongPolling;
                configure?.Invoke(o);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>Completes when the connection closes (from the server's side).</summary>
    public static Task ClosedTask(this HubConnection connection)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    /// <summary>True when the response sends the caller to sign in (401, or a redirect to the login page).</summary>
    public static bool AsksToSignIn(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Unauthorized
        || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.ToString().Contains("/account/login", StringComparison.Ordinal) == true);
}
