using CrmBlazor.Live;

namespace CrmBlazor.Security;

/// <summary>
/// Cross-site WebSocket hijacking guard (#20): a browser sends the sign-in cookie with a WebSocket opened by any page, even
/// one of another origin on the same host, and WebSockets are not covered by CORS. Requests to the live endpoints
/// (<c>/hubs/crm</c>, <c>/_blazor</c>) that carry an Origin header are refused with 403 unless the origin is the app's own
/// (the request's host and port) or listed in "Security:AllowedOrigins". Requests without an Origin (non-browser
/// clients) pass as before: they cannot borrow a browser's cookie.
/// </summary>
public static class RealtimeOrigin
{
    private static readonly PathString[] Paths = [CrmHub.Path, "/_blazor"];

    public static WebApplication UseRealtimeOriginCheck(this WebApplication app)
    {
        var allowed = (app.Configuration.GetSection("Security:AllowedOrigins").Get<string[]>() ?? [])
            .Select(o => o.Trim().TrimEnd('/')).Where(o => o.Length > 0).ToArray();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RealtimeOrigin));
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (Array.Exists(Paths, p => request.Path.StartsWithSegments(p)) && request.Headers.Origin.Count > 0
                && !IsAllowed(request.Headers.Origin.ToString(), request.Host, allowed))
            {
                logger.LogWarning("Refused a {Path} request from origin {Origin}.", request.Path.Value, request.Headers.Origin.ToString());
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }

            await next(context);
        });
        return app;
    }

    /// <summary>True for the app's own origin (same host and port as the request) or one of <paramref name="allowed"/>.</summary>
    public static bool IsAllowed(string origin, HostString host, IReadOnlyCollection<string> allowed)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
        {
            // Includes "null" (sandboxed frames, file: pages) and anything that is not a plain origin.
            return false;
        }

        // A browser leaves the default port out of both headers; behind a TLS proxy the app may see plain HTTP, so the
        // default port is the origin's.
        var ownPort = host.Port ?? uri.Port;
        if (string.Equals(uri.Host, host.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == ownPort)
        {
            return true;
        }

        var normalized = uri.GetLeftPart(UriPartial.Authority);
        return allowed.Any(a => string.Equals(a, normalized, StringComparison.OrdinalIgnoreCase));
    }
}
