using System.Net;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CrmBlazor.Tests.Integration.Security;

/// <summary>Response headers (#20, finding 10): CSP, nosniff, Referrer-Policy; HSTS, HTTPS redirect and Secure cookies
/// over HTTPS. The Server header and the CSP under a real browser are checked end to end (SecurityEndToEndTests).</summary>
public sealed class HttpHeadersTests : IClassFixture<HttpHeadersTests.App>
{
    private readonly App _app;

    public HttpHeadersTests(App app) => _app = app;

    /// <summary>The HTTPS port is known (as behind a TLS proxy or with ASPNETCORE_HTTPS_PORT), so plain HTTP is redirected.</summary>
    public sealed class App() : CrmAppFactory(settings: new Dictionary<string, string?> { ["HTTPS_PORT"] = "443" });

    private HttpClient Client(string baseAddress) =>
        _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(baseAddress) });

    private static string Header(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.TryGetValues(name, out var values) ? values : response.Content.Headers.TryGetValues(name, out var content) ? content : []);

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/customers")]
    [InlineData("/api/v1/customers")]
    [InlineData("/no-such-page")]
    public async Task Every_response_carries_the_CSP_nosniff_and_a_referrer_policy(string path)
    {
        var response = await Client("https://crm.example").GetAsync(path);
        var csp = Header(response, "Content-Security-Policy");
        foreach (var directive in new[]
                 {
                     "default-src 'self'", "script-src 'self';", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'self'",
                     "connect-src 'self' wss://crm.example;", "style-src 'self' 'unsafe-inline'", "form-action 'self'",
                 })
        {
            Assert.Contains(directive, csp, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-inline'", csp.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("strict-origin-when-cross-origin", Header(response, "Referrer-Policy"));
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task Over_HTTPS_the_browser_is_told_to_stay_on_HTTPS_and_cookies_are_Secure()
    {
        var response = await Client("https://crm.example").GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("max-age=", Header(response, "Strict-Transport-Security"), StringComparison.Ordinal);
        var antiforgery = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Plain_HTTP_is_redirected_to_HTTPS_without_HSTS()
    {
        var response = await Client("http://crm.example").GetAsync("/account/login?x=1");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal("https://crm.example/account/login?x=1", response.Headers.Location!.ToString());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task The_OpenAPI_document_is_not_anonymous()
    {
        var browser = Client("https://crm.example");
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var page = await browser.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/login", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        var script = Client("https://crm.example");
        script.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "crm_unknown");
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/openapi/v1.json")).StatusCode);

        // A signed-in user reads it (the API help page links to it).
        var signedIn = Client("https://crm.example");
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.SignInAsync(signedIn, "admin", CrmAppFactory.AdminPassword)).StatusCode);
        var doc = await signedIn.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, doc.StatusCode);
        Assert.Contains("/api/v1/customers", await doc.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
