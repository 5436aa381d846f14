using System.Security.Cryptography;
using System.Text;

namespace CrmBlazor.Domain.Organization;

/// <summary>
/// A personal access token for the REST API. The secret is shown once; only its SHA-256 hash is stored. A request
/// with the token acts as its user, with that user's current rights and scope (R7).
/// </summary>
public sealed class AccessToken
{
    public const string SecretPrefix = "crm_";

    private AccessToken()
    {
        UserId = Name = Hash = Hint = string.Empty;
    }

    private AccessToken(string userId, string name, string hash, string hint, DateTime utcNow)
    {
        UserId = userId;
        Name = name;
        Hash = hash;
        Hint = hint;
        CreatedAt = utcNow;
    }

    public int Id { get; private set; }
    public string UserId { get; private set; }
    public string Name { get; private set; }
    /// <summary>Hex SHA-256 of the secret.</summary>
    public string Hash { get; private set; }
    /// <summary>The first characters of the secret, to recognise it in a list.</summary>
    public string Hint { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? LastUsedAt { get; private set; }
    public DateTime? RevokedAt { get; private set; }

    public bool IsActive => RevokedAt is null;

    /// <summary>Creates a token and returns it with its secret (the only time the secret exists in clear).</summary>
    public static (AccessToken Token, string Secret) Issue(string userId, string name, DateTime utcNow)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0 || trimmed.Length > 100)
        {
            throw new ArgumentException("A token needs a name of at most 100 characters.", nameof(name));
        }

        var secret = SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (new AccessToken(userId, trimmed, HashOf(secret), secret[..10], utcNow), secret);
    }

    public static string HashOf(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public void Revoke(DateTime utcNow) => RevokedAt ??= utcNow;

    public void MarkUsed(DateTime utcNow) => LastUsedAt = utcNow;
}
