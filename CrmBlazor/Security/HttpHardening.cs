using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Net.Http.Headers;

namespace CrmBlazor.Security;

/// <summary>
/// HTTP-level protections (#20, finding 10):
/// <list type="bullet">
/// <item>a Content-Security-Policy that Blazor Server and MudBlazor run under: scripts only from this origin (no inline
/// script, no eval), styles from this origin plus inline styles (MudBlazor writes style attributes and its theme as a
/// style element), the circuit's WebSocket to this host, no plugins, no foreign base URL, forms posting only here,
/// framing only by this origin;</item>
/// <item><c>X-Content-Type-Options: nosniff</c> and <c>Referrer-Policy: strict-origin-when-cross-origin</c> on every
/// response, and no <c>Server</c> header;</item>
/// <item>over HTTPS: HSTS, a redirect of plain HTTP (when the HTTPS port is known: a Kestrel HTTPS endpoint or
/// ASPNETCORE_HTTPS_PORT), Secure cookies (antiforgery, sign-in: SameAsRequest);</item>
/// <item>behind a reverse proxy: X-Forwarded-For/-Proto honoured when ForwardedHeaders:Enabled is true, from the proxies
/// listed in ForwardedHeaders:KnownProxies / KnownNetworks (comma-separated; loopback only when none is listed).</item>
/// </list>
/// </summary>
public static class HttpHardening
{
    public static WebApplicationBuilder AddHttpHardening(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
        builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(configuration.GetValue("Https:HstsMaxAgeDays", 365));
            o.IncludeSubDomains = configuration.GetValue("Https:HstsIncludeSubDomains", false);
        });
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = configuration.GetValue("ForwardedHeaders:ForwardLimit", 1);
            foreach (var proxy in Split(configuration["ForwardedHeaders:KnownProxies"]))
            {
                o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }

            foreach (var network in Split(configuration["ForwardedHeaders:KnownNetworks"]))
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline: the request's scheme and address as the client sent them, then the headers.</summary>
    public static WebApplication UseHttpHardening(this WebApplication app)
    {
        if (app.Configuration.GetValue("ForwardedHeaders:Enabled", false))
        {
            app.UseForwardedHeaders();
        }

        // Both act on HTTPS only: HSTS is sent on HTTPS responses (never for localhost), and the redirect needs a known
        // HTTPS port, so a plain-HTTP deployment (or a test host) is unchanged.
        app.UseHsts();
        if (app.Configuration.GetValue("Https:Redirect", true))
        {
            app.UseHttpsRedirection();
        }

        // Set when the response starts, so that error pages (whose headers the exception handler clears) carry them
        // too; an endpoint that sets a stricter policy of its own (attachments) keeps it.
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.TryAdd(HeaderNames.ContentSecurityPolicy, ContentSecurityPolicy(context.Request));
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers.TryAdd("Referrer-Policy", "strict-origin-when-cross-origin");
                headers.Remove(HeaderNames.Server);
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    public static string ContentSecurityPolicy(HttpRequest request)
    {
        // 'self' covers ws(s) to the same host in current browsers (CSP 3); the explicit sources keep older ones working.
        var host = request.Host.HasValue ? request.Host.Value : null;
        var sockets = host is null ? string.Empty : request.IsHttps ? $" wss://{host}" : $" ws://{host} wss://{host}";
        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
            $"connect-src 'self'{sockets}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";
    }

    private static IEnumerable<string> Split(string? list) =>
        (list ?? string.Empty).Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
