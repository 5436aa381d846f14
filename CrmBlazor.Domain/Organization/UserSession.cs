using System.Security.Cryptography;

namespace CrmBlazor.Domain.Organization;

/// <summary>
/// One signed-in browser session (#20): created at sign-in, named by an id carried in the sign-in cookie, ended by signing
/// out (this session), "sign out everywhere" (every session of the user), a password change or a deactivation. A cookie
/// whose session has ended is refused on the server, even a copy of it.
/// </summary>
public sealed class UserSession
{
    public const int UserAgentMaxLength = 256;
    public const int AddressMaxLength = 64;

    private UserSession()
    {
        Id = UserId = string.Empty;
    }

    private UserSession(string id, string userId, DateTime utcNow, string? userAgent, string? address)
    {
        Id = id;
        UserId = userId;
        CreatedAt = LastSeenAt = utcNow;
        UserAgent = Clip(userAgent, UserAgentMaxLength);
        IpAddress = Clip(address, AddressMaxLength);
    }

    /// <summary>A random, unguessable id (32 hex characters).</summary>
    public string Id { get; private set; }
    public string UserId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime LastSeenAt { get; private set; }
    public DateTime? EndedAt { get; private set; }
    public string? UserAgent { get; private set; }
    public string? IpAddress { get; private set; }

    public bool IsActive => EndedAt is null;

    public static UserSession Start(string userId, DateTime utcNow, string? userAgent, string? address)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return new UserSession(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), userId, utcNow, userAgent, address);
    }

    public void End(DateTime utcNow) => EndedAt ??= utcNow;

    public void Seen(DateTime utcNow)
    {
        if (utcNow > LastSeenAt)
        {
            LastSeenAt = utcNow;
        }
    }

    private static string? Clip(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Length <= max ? value : value[..max];
}
