using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Common;
using CrmBlazor.Features.Audit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Relationships;

/// <summary>A relationship as the settings page lists it; <see cref="Customers"/> counts every customer, trash included (R2.4).</summary>
public sealed record RelationshipRow(int Id, string Name, string Color, string? Description, int Position, bool IsDefault, int Customers,
    DateTime? DeletedAt);

public sealed record RelationshipList(IReadOnlyList<RelationshipRow> Active, IReadOnlyList<RelationshipRow> Deleted);

/// <summary>R2.4: the relationship is still used by <see cref="Customers"/> customers (trash included).</summary>
public sealed class RelationshipInUseException(int relationshipId, int customers)
    : InvalidOperationException($"{customers} customers still use relationship {relationshipId}.")
{
    public int RelationshipId { get; } = relationshipId;
    public int Customers { get; } = customers;
}

/// <summary>
/// Settings → Relationships (R2). Every write checks the CRM settings right on the server (R2.1, R7.4) and tells
/// every open board and settings page through <see cref="RelationshipsChanged"/>.
/// </summary>
public sealed class RelationshipService(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, TimeProvider clock)
{
    public async Task<RelationshipList> ListAsync(UserAccess user, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Relationships.AsNoTracking().ToListAsync(ct);
        // Counts every customer, trash included: that is what decides whether it may be deleted (R2.4).
        var counts = await db.Customers.GroupBy(c => c.RelationshipId)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        RelationshipRow Row(Relationship r) => new(r.Id, r.Name, r.Color, r.Description, r.Position, r.IsDefault,
            counts.GetValueOrDefault(r.Id), r.DeletedAt);
        return new RelationshipList(
            Pipeline.InOrder(all).Select(Row).ToList(),
            all.Where(r => r.IsDeleted).OrderByDescending(r => r.DeletedAt).ThenBy(r => r.Name).Select(Row).ToList());
    }

    public async Task<int> AddAsync(UserAccess user, string name, string? color, string? description, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Relationships.ToListAsync(ct);
        Pipeline.EnsureUniqueName(all, name);
        var r = new Relationship(name, color, description, Pipeline.NextPosition(all));
        db.Relationships.Add(r);
        await db.SaveCreatedAsync(user, AuditActions.SettingsChanged, AuditTargets.Relationship, () => r.Id, r.Name, AuditValues(r), ct);
        Publish(user);
        return r.Id;
    }

    public async Task EditAsync(UserAccess user, int id, string name, string? color, string? description, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Relationships.ToListAsync(ct);
        var r = Find(all, id);
        Pipeline.EnsureUniqueName(all, name, r);
        var before = AuditValues(r);
        r.Edit(name, color, description);
        db.AddAuditOfChange(user, AuditActions.SettingsChanged, AuditTargets.Relationship, id, r.Name, before, AuditValues(r));
        await db.SaveChangesAsync(ct);
        Publish(user);
    }

    /// <summary>Moves a relationship to <paramref name="toIndex"/> among the active ones (R2.2).</summary>
    public async Task MoveAsync(UserAccess user, int id, int toIndex, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Relationships.ToListAsync(ct);
        var r = Find(all, id);
        var before = r.Position;
        Pipeline.Move(all, r, toIndex);
        db.AddAuditOfChange(user, AuditActions.SettingsChanged, AuditTargets.Relationship, id, r.Name,
            AuditRecorder.Values(("position", before)), AuditRecorder.Values(("position", r.Position)));
        await db.SaveChangesAsync(ct);
        Publish(user);
    }

    /// <summary>R2.3/R2.4: the first one never; one used by any customer (trash included) neither, and says how many.</summary>
    public async Task DeleteAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Relationships.ToListAsync(ct);
        var r = Find(all, id);
        var usage = await db.Customers.CountAsync(c => c.RelationshipId == id, ct);
        try
        {
            r.Delete(usage, clock.GetUtcNow().UtcDateTime);
        }
        catch (DomainException ex) when (ex.Code == RuleCodes.RelationshipInUse)
        {
            throw new RelationshipInUseException(id, usage);
        }

        // Close the gap it leaves so positions stay dense.
        var remaining = Pipeline.InOrder(all).ToList();
        if (remaining.Count > 0)
        {
            Pipeline.Move(all, remaining[0], 0);
        }

        db.AddAudit(user, AuditActions.SettingsChanged, AuditTargets.Relationship, id, r.Name, AuditRecorder.Values(("name", r.Name), ("deleted", false)),
            AuditRecorder.Values(("deleted", true)));
        await db.SaveChangesAsync(ct);
        Publish(user);
    }

    /// <summary>R2.5: a deleted relationship comes back at the end of the pipeline (its name must still be free).</summary>
    public async Task RestoreAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Relationships.ToListAsync(ct);
        var r = all.FirstOrDefault(x => x.Id == id && x.IsDeleted)
            ?? throw new DomainException(Pipeline.NotFound, $"Relationship {id} is not in the deleted list.");
        Pipeline.EnsureUniqueName(all, r.Name, r);
        var position = Pipeline.NextPosition(all);
        r.Restore();
        r.MoveTo(position);
        db.AddAudit(user, AuditActions.SettingsChanged, AuditTargets.Relationship, id, r.Name, AuditRecorder.Values(("deleted", true)),
            AuditRecorder.Values(("name", r.Name), ("deleted", false)));
        await db.SaveChangesAsync(ct);
        Publish(user);
    }

    private static Dictionary<string, object?> AuditValues(Relationship r) =>
        AuditRecorder.Values(("name", r.Name), ("color", r.Color), ("description", r.Description));

    private static Relationship Find(List<Relationship> all, int id) =>
        all.FirstOrDefault(x => x.Id == id && !x.IsDeleted)
        ?? throw new DomainException(Pipeline.NotFound, $"Relationship {id} does not exist or was deleted.");

    private static void Require(UserAccess user)
    {
        if (!user.Has(Rights.CrmSettings))
        {
            throw new AccessDeniedException("Managing relationships needs the CRM settings right.");
        }
    }

    private void Publish(UserAccess user) => live.Publish(new RelationshipsChanged(user.UserId));
}

public static class RelationshipsFeature
{
    public static IServiceCollection AddRelationshipsFeature(this IServiceCollection services)
    {
        services.AddScoped<RelationshipService>();
        return services;
    }
}
