using System.Threading.RateLimiting;

namespace CrmBlazor.Features.Account;

/// <summary>
/// Slows down password guessing at the sign-in form (#20, finding 8), in memory, per app instance:
/// <list type="bullet">
/// <item>per client IP address: at most SignIn:AttemptsPerIpPerMinute attempts (20 unless configured) in a sliding
/// minute, right or wrong; behind a proxy the address comes from the forwarded headers when they are enabled;</item>
/// <item>per account name: an existing account is locked by Identity after 5 failures (persisted, reset by an
/// administrator); a name that matches no account counts its failures here, SignIn:FailuresPerUnknownName (5) in 15
/// minutes, and then answers with the same lockout message, so that the answers do not tell which names exist.</item>
/// </list>
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    public static readonly TimeSpan UnknownNameWindow = TimeSpan.FromMinutes(15);

    private readonly PartitionedRateLimiter<string> _perIp;
    private readonly PartitionedRateLimiter<string> _unknownNameFailures;

    public SignInThrottle(IConfiguration configuration)
    {
        var perIp = Math.Max(1, configuration.GetValue("SignIn:AttemptsPerIpPerMinute", 20));
        var perName = Math.Max(1, configuration.GetValue("SignIn:FailuresPerUnknownName", 5));
        _perIp = PartitionedRateLimiter.Create<string, string>(ip => RateLimitPartition.GetSlidingWindowLimiter(ip,
            _ => new SlidingWindowRateLimiterOptions { PermitLimit = perIp, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 6, QueueLimit = 0 }));
        _unknownNameFailures = PartitionedRateLimiter.Create<string, string>(name => RateLimitPartition.GetFixedWindowLimiter(name,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perName, Window = UnknownNameWindow, QueueLimit = 0 }));
    }

    /// <summary>Counts an attempt from <paramref name="ip"/>; null when allowed, else how long to wait.</summary>
    public TimeSpan? TryAttempt(string ip)
    {
        using var lease = _perIp.AttemptAcquire(ip);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(10);
    }

    /// <summary>True when a name that matches no account has failed too often lately.</summary>
    public bool IsUnknownNameBlocked(string userName)
    {
        using var probe = _unknownNameFailures.AttemptAcquire(Key(userName), 0);
        return !probe.IsAcquired;
    }

    public void UnknownNameFailed(string userName)
    {
        using var lease = _unknownNameFailures.AttemptAcquire(Key(userName));
    }

    public void Dispose()
    {
        _perIp.Dispose();
        _unknownNameFailures.Dispose();
    }

    private static string Key(string userName) => userName.Trim().ToUpperInvariant();
}
