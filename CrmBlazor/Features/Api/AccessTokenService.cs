using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Common;
using CrmBlazor.Features.Audit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Api;

public sealed record AccessTokenView(int Id, string Name, string Hint, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A user's own personal access tokens: create (secret shown once), list, revoke. A user holds at most
/// <see cref="MaxActive"/> active tokens (Api:MaxTokensPerUser, 10 unless configured): the API's rate limit is per user,
/// and a cap keeps forgotten secrets few.</summary>
public sealed class AccessTokenService(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock, IConfiguration configuration)
{
    public const string LimitReached = "token.limit-reached";

    public int MaxActive { get; } = Math.Max(1, configuration.GetValue("Api:MaxTokensPerUser", 10));

    public async Task<IReadOnlyList<AccessTokenView>> ListAsync(UserAccess user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AccessTokens.Where(t => t.UserId == user.UserId).OrderByDescending(t => t.CreatedAt)
            .Select(t => new AccessTokenView(t.Id, t.Name, t.Hint, t.CreatedAt, t.LastUsedAt, t.RevokedAt)).ToListAsync(ct);
    }

    /// <summary>Returns the secret: the only time it can be seen.</summary>
    public async Task<string> CreateAsync(UserAccess user, string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (token, secret) = AccessToken.Issue(user.UserId, name, clock.GetUtcNow().UtcDateTime);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await db.AccessTokens.CountAsync(t => t.UserId == user.UserId && t.RevokedAt == null, ct) >= MaxActive)
        {
            throw new DomainException(LimitReached, $"You already have {MaxActive} active tokens: revoke one you no longer use first.");
        }

        db.AccessTokens.Add(token);
        // The token's name only: never its value, nor the hint of it.
        await db.SaveCreatedAsync(user, AuditActions.TokenCreated, AuditTargets.AccessToken, () => token.Id, token.Name,
            AuditRecorder.Values(("name", token.Name)), ct);
        await tx.CommitAsync(ct);
        return secret;
    }

    public async Task RevokeAsync(UserAccess user, int tokenId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.AccessTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == user.UserId, ct)
            ?? throw new KeyNotFoundException("No such token.");
        if (!token.IsActive)
        {
            return;
        }

        token.Revoke(clock.GetUtcNow().UtcDateTime);
        db.AddAudit(user, AuditActions.TokenRevoked, AuditTargets.AccessToken, token.Id, token.Name,
            AuditRecorder.Values(("active", true)), AuditRecorder.Values(("active", false)));
        await db.SaveChangesAsync(ct);
    }
}
