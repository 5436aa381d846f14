using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;

namespace CrmBlazor.Features.Audit;

/// <summary>
/// Writes audit entries (issue #20) into the context that makes the change, so the entry and the change are saved by the
/// same SaveChanges (or in the same transaction): either both are stored or neither is, and a refused change leaves none.
/// Callers pass only the values they mean to log — never a password, a token's value or a webhook's secret.
/// </summary>
public static class AuditRecorder
{
    public static AuditEntry AddAudit(this CrmDbContext db, UserAccess actor, string action, string targetType, object? targetId, string? targetName,
        IReadOnlyDictionary<string, object?>? oldValues = null, IReadOnlyDictionary<string, object?>? newValues = null)
    {
        var entry = new AuditEntry(DateTime.UtcNow, actor.UserId, ActorName(actor), actor.Address, action, targetType,
            Convert.ToString(targetId, System.Globalization.CultureInfo.InvariantCulture), targetName, oldValues, newValues);
        db.AuditLog.Add(entry);
        return entry;
    }

    /// <summary>Records only what changed between <paramref name="before"/> and <paramref name="after"/>; nothing when nothing did.</summary>
    public static bool AddAuditOfChange(this CrmDbContext db, UserAccess actor, string action, string targetType, object? targetId, string? targetName,
        IReadOnlyDictionary<string, object?> before, IReadOnlyDictionary<string, object?> after)
    {
        var (old, now) = AuditEntry.Diff(before, after);
        if (old.Count == 0)
        {
            return false;
        }

        db.AddAudit(actor, action, targetType, targetId, targetName, old, now);
        return true;
    }

    /// <summary>
    /// Saves a new entity and its audit entry in one transaction (the caller's, or one of its own): the entity is saved
    /// first for its generated id, which the entry then names.
    /// </summary>
    public static async Task SaveCreatedAsync(this CrmDbContext db, UserAccess actor, string action, string targetType, Func<object> targetId,
        string? targetName, IReadOnlyDictionary<string, object?> newValues, CancellationToken ct)
    {
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        await using (own)
        {
            await db.SaveChangesAsync(ct);
            db.AddAudit(actor, action, targetType, targetId(), targetName, null, newValues);
            await db.SaveChangesAsync(ct);
            if (own is not null)
            {
                await own.CommitAsync(ct);
            }
        }
    }

    /// <summary>A permission group's rights as the names of its single rights (stable, readable old → new).</summary>
    public static string[] RightNames(Rights rights) =>
        [.. Enum.GetValues<Rights>().Where(r => r != Rights.None && (r & (r - 1)) == 0 && (rights & r) == r).Select(r => r.ToString())];

    /// <summary>A webhook address without credentials or query string (they may carry a receiver's secret).</summary>
    public static string SafeUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}" : "?";

    private static string ActorName(UserAccess actor) =>
        string.IsNullOrWhiteSpace(actor.FullName) ? actor.UserName : $"{actor.FullName} ({actor.UserName})";

    /// <summary>Shorthand for the value dictionaries callers build.</summary>
    public static Dictionary<string, object?> Values(params (string Key, object? Value)[] values) =>
        values.ToDictionary(v => v.Key, v => v.Value);
}
