using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Audit;

/// <summary>What the audit page filters by; dates are days in the reader's time zone, both ends included.</summary>
public sealed record AuditFilter
{
    public string? ActorId { get; init; }
    public string? Action { get; init; }
    public string? TargetType { get; init; }
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }
    /// <summary>Found in the target's name or id, the actor's name, the address or the old/new values.</summary>
    public string? Text { get; init; }
}

public sealed record AuditRow(long Id, DateTime At, string? ActorId, string ActorName, string? Address, string Action, string TargetType, string? TargetId,
    string? TargetName, string? OldValues, string? NewValues);

public sealed record AuditResults(IReadOnlyList<AuditRow> Rows, int Total);

public sealed record AuditActor(string Id, string Name);

/// <summary>
/// Reads the audit log (issue #20) for users with the user administration right, checked here on every call (R7.4):
/// newest first, filtered and paged in the database. There is no method that changes or deletes an entry.
/// </summary>
public sealed class AuditService(IDbContextFactory<CrmDbContext> dbFactory)
{
    public const int MaxPageSize = 100;

    public async Task<AuditResults> SearchAsync(UserAccess reader, AuditFilter filter, int page, int pageSize, CancellationToken ct = default)
    {
        await RequireAsync(reader, ct);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = Filter(db.AuditLog.AsNoTracking(), filter, reader.TimeZone);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, page) * pageSize).Take(pageSize)
            .Select(e => new AuditRow(e.Id, e.At, e.ActorId, e.ActorName, e.Address, e.Action, e.TargetType, e.TargetId, e.TargetName, e.OldValues, e.NewValues))
            .ToListAsync(ct);
        return new AuditResults(rows, total);
    }

    /// <summary>Everyone who appears in the log as an actor, with their latest name there (the actor filter's choices).</summary>
    public async Task<IReadOnlyList<AuditActor>> ActorsAsync(UserAccess reader, CancellationToken ct = default)
    {
        await RequireAsync(reader, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var actors = await db.AuditLog.AsNoTracking().Where(e => e.ActorId != null)
            .GroupBy(e => e.ActorId!).Select(g => new AuditActor(g.Key, g.Max(e => e.ActorName)!)).ToListAsync(ct);
        return [.. actors.OrderBy(a => a.Name, StringComparer.CurrentCultureIgnoreCase)];
    }

    private static IQueryable<AuditEntry> Filter(IQueryable<AuditEntry> query, AuditFilter filter, string timeZone)
    {
        if (!string.IsNullOrWhiteSpace(filter.ActorId))
        {
            query = query.Where(e => e.ActorId == filter.ActorId);
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            query = query.Where(e => e.Action == filter.Action);
        }

        if (!string.IsNullOrWhiteSpace(filter.TargetType))
        {
            query = query.Where(e => e.TargetType == filter.TargetType);
        }

        var zone = UserTime.Zone(timeZone);
        if (filter.From is { } from)
        {
            var start = TimeZoneInfo.ConvertTimeToUtc(from.ToDateTime(TimeOnly.MinValue), zone);
            query = query.Where(e => e.At >= start);
        }

        if (filter.To is { } to)
        {
            var end = TimeZoneInfo.ConvertTimeToUtc(to.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
            query = query.Where(e => e.At < end);
        }

        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim().ToLower(System.Globalization.CultureInfo.InvariantCulture);
            query = query.Where(e => (e.TargetName != null && e.TargetName.ToLower().Contains(text))
                || (e.TargetId != null && e.TargetId.ToLower().Contains(text))
                || e.ActorName.ToLower().Contains(text)
                || (e.Address != null && e.Address.Contains(text))
                || (e.OldValues != null && e.OldValues.ToLower().Contains(text))
                || (e.NewValues != null && e.NewValues.ToLower().Contains(text)));
        }

        return query;
    }

    /// <summary>The reader's rights read fresh (a right revoked a second ago is gone), like every admin write.</summary>
    private Task RequireAsync(UserAccess reader, CancellationToken ct) => Admin.AdminGuard.RequireUserAdminAsync(dbFactory, reader, ct);
}

public static class AuditFeature
{
    /// <summary>The audit log's page service; entries are written by each admin service through <see cref="AuditRecorder"/>.</summary>
    public static IServiceCollection AddAuditFeature(this IServiceCollection services)
    {
        services.AddScoped<AuditService>();
        return services;
    }
}
