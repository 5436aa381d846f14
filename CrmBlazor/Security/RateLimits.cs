using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace CrmBlazor.Security;

/// <summary>Every 429 says when to come back: a <c>Retry-After</c> header in whole seconds (RFC 9110 §10.2.3).</summary>
public static class RateLimits
{
    /// <summary>Used when a limiter gives no time of its own.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(60);

    public static ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken ct)
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : DefaultRetryAfter;
        SetRetryAfter(context.HttpContext.Response, retryAfter);
        return ValueTask.CompletedTask;
    }

    public static void SetRetryAfter(HttpResponse response, TimeSpan retryAfter) =>
        response.Headers.RetryAfter = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);

    /// <summary>At least one second, rounded up.</summary>
    public static int Seconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
}
