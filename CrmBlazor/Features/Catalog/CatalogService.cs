using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Features.Audit;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Catalog;

/// <summary>
/// A source or group as its settings page lists it. <see cref="Customers"/> counts every customer that uses it, those in
/// the trash included (<see cref="InTrash"/> of them): that is what decides whether it may be deleted (like R2.4).
/// </summary>
public sealed record CatalogRow(int Id, string Name, int Position, int Customers, int InTrash);

/// <summary>The entry is still used by <see cref="Customers"/> customers (trash included): it cannot be deleted.</summary>
public sealed class CatalogInUseException(CatalogKind kind, int id, int customers)
    : InvalidOperationException($"{customers} customers still use {kind} entry {id}.")
{
    public CatalogKind Kind { get; } = kind;
    public int Id { get; } = id;
    public int Customers { get; } = customers;
}

/// <summary>
/// Settings → Sources and Settings → Groups (R1.1), managed like the pipeline's stages: only users with the CRM settings
/// right list, add, rename, reorder, delete or merge them, checked here on every call (R7.2, R7.4); names are unique
/// without case or diacritics; an entry used by any customer (trash included) is not deleted; a merge moves every
/// customer of one entry to another, logs each customer's change and deletes the emptied entry, in one transaction.
/// Every change is told to open screens through <see cref="CatalogChanged"/>.
/// </summary>
/// <remarks>
/// A merge moves every customer of the entry, whoever owns it: the CRM settings right governs the catalogue, and an entry
/// cannot be deleted while customers outside the manager's scope still use it.
/// </remarks>
public sealed class CatalogService(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, TimeProvider clock)
{
    /// <summary>The change log's origin of a customer moved by a merge.</summary>
    public const string OriginMerge = "merge";

    private const int BatchSize = 500;
    private const int MergeAttempts = 3;

    public async Task<IReadOnlyList<CatalogRow>> ListAsync(UserAccess user, CatalogKind kind, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entries = await EntriesAsync(db, kind, ct);
        var usage = await UsageAsync(db, kind, null, ct);
        return CatalogRules.InOrder(entries)
            .Select(e => usage.TryGetValue(e.Id, out var u) ? new CatalogRow(e.Id, e.Name, e.Position, u.Total, u.InTrash) : new CatalogRow(e.Id, e.Name, e.Position, 0, 0))
            .ToList();
    }

    public async Task<int> AddAsync(UserAccess user, CatalogKind kind, string name, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entries = await EntriesAsync(db, kind, ct);
        var clean = CatalogRules.RequireName(name);
        CatalogRules.EnsureUniqueName(entries, clean);
        var position = CatalogRules.NextPosition(entries);
        int id;
        if (kind == CatalogKind.Sources)
        {
            var source = new Source(clean, position);
            db.Sources.Add(source);
            await db.SaveCreatedAsync(user, AuditActions.SettingsChanged, AuditTargets.Source, () => source.Id, clean, AuditRecorder.Values(("name", clean)), ct);
            id = source.Id;
        }
        else
        {
            var group = new CustomerGroup(clean, position);
            db.CustomerGroups.Add(group);
            await db.SaveCreatedAsync(user, AuditActions.SettingsChanged, AuditTargets.CustomerGroup, () => group.Id, clean, AuditRecorder.Values(("name", clean)), ct);
            id = group.Id;
        }

        Publish(kind, user);
        return id;
    }

    public async Task RenameAsync(UserAccess user, CatalogKind kind, int id, string name, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entries = await EntriesAsync(db, kind, ct);
        var entry = Find(entries, id);
        var clean = CatalogRules.RequireName(name);
        CatalogRules.EnsureUniqueName(entries, clean, entry);
        if (entry.Name == clean)
        {
            return;
        }

        db.AddAudit(user, AuditActions.SettingsChanged, Target(kind), id, clean, AuditRecorder.Values(("name", entry.Name)), AuditRecorder.Values(("name", clean)));
        entry.Rename(clean);
        await db.SaveChangesAsync(ct);
        Publish(kind, user);
    }

    /// <summary>Moves an entry to <paramref name="toIndex"/> among the active ones (drag and drop, or the arrows).</summary>
    public async Task MoveAsync(UserAccess user, CatalogKind kind, int id, int toIndex, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entries = await EntriesAsync(db, kind, ct);
        var entry = Find(entries, id);
        var before = entry.Position;
        CatalogRules.Move(entries, entry, toIndex);
        db.AddAuditOfChange(user, AuditActions.SettingsChanged, Target(kind), id, entry.Name,
            AuditRecorder.Values(("position", before)), AuditRecorder.Values(("position", entry.Position)));
        await db.SaveChangesAsync(ct);
        Publish(kind, user);
    }

    /// <summary>Deletes an entry no customer uses, counting the trash; otherwise <see cref="CatalogInUseException"/> says how many do.</summary>
    public async Task DeleteAsync(UserAccess user, CatalogKind kind, int id, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entries = await EntriesAsync(db, kind, ct);
        var entry = Find(entries, id);
        var usage = (await UsageAsync(db, kind, id, ct)).GetValueOrDefault(id).Total;
        try
        {
            entry.Delete(usage);
        }
        catch (DomainException ex) when (ex.Code == CatalogRules.InUse)
        {
            throw new CatalogInUseException(kind, id, usage);
        }

        CatalogRules.Renumber(entries);
        db.AddAudit(user, AuditActions.SettingsChanged, Target(kind), id, entry.Name, AuditRecorder.Values(("name", entry.Name), ("deleted", false)),
            AuditRecorder.Values(("deleted", true)));
        await db.SaveChangesAsync(ct);
        Publish(kind, user, deletedId: id);
    }

    /// <summary>
    /// Merges <paramref name="fromId"/> into <paramref name="intoId"/>: every customer of the first (trash included) moves to
    /// the second — a customer already in both groups keeps one membership — each change logged on the customer with
    /// its version bumped, and the emptied entry is deleted; all in one transaction, told to open screens after the commit.
    /// A customer changed by someone else meanwhile makes the merge start again (up to three times). Returns how many
    /// customers moved.
    /// </summary>
    public async Task<int> MergeAsync(UserAccess user, CatalogKind kind, int fromId, int intoId, CancellationToken ct = default)
    {
        Require(user);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var moved = await MergeOnceAsync(user, kind, fromId, intoId, ct);
                if (moved.Count > 0)
                {
                    live.Publish(new CustomersChanged(moved, ChangeKinds.Updated, user.UserId, CustomerChange.Links));
                }

                live.Publish(new CatalogChanged(kind, user.UserId, fromId, intoId));
                return moved.Count;
            }
            catch (DbUpdateConcurrencyException) when (attempt < MergeAttempts)
            {
                // A customer was saved by someone else between our read and our write: nothing was committed; again.
            }
        }
    }

    private async Task<List<int>> MergeOnceAsync(UserAccess user, CatalogKind kind, int fromId, int intoId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var entries = await EntriesAsync(db, kind, ct);
        CatalogRules.EnsureCanMerge(Find(entries, fromId), Find(entries, intoId));
        var moved = new List<int>();
        var now = clock.GetUtcNow().UtcDateTime;
        db.ChangeTracker.Clear();
        while (true)
        {
            // Whatever still uses the entry, batch after batch, until nothing does (customers added to it meanwhile too).
            var batch = kind == CatalogKind.Sources
                ? await db.Customers.Where(c => c.SourceId == fromId).OrderBy(c => c.Id).Take(BatchSize).ToListAsync(ct)
                : await db.Customers.Where(c => c.Groups.Any(g => g.GroupId == fromId)).Include(c => c.Groups).OrderBy(c => c.Id).Take(BatchSize).ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var customer in batch)
            {
                var changes = kind == CatalogKind.Sources
                    ? customer.ChangeSource(intoId, user.UserId, now)
                    : customer.ReplaceGroup(fromId, intoId, user.UserId, now);
                foreach (var change in changes)
                {
                    db.ChangeLog.Add(new ChangeLogEntry(customer.Id, user.UserId, now, change, OriginMerge));
                }

                moved.Add(customer.Id);
            }

            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        entries = await EntriesAsync(db, kind, ct);
        var from = Find(entries, fromId);
        from.Delete((await UsageAsync(db, kind, fromId, ct)).GetValueOrDefault(fromId).Total);
        CatalogRules.Renumber(entries);
        db.AddAudit(user, AuditActions.SettingsChanged, Target(kind), fromId, from.Name, AuditRecorder.Values(("name", from.Name), ("deleted", false)),
            AuditRecorder.Values(("deleted", true), ("mergedInto", Find(entries, intoId).Name), ("customersMoved", moved.Count)));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return moved;
    }

    private static async Task<List<ICatalogEntry>> EntriesAsync(CrmDbContext db, CatalogKind kind, CancellationToken ct) =>
        kind == CatalogKind.Sources
            ? [.. await db.Sources.ToListAsync(ct)]
            : [.. await db.CustomerGroups.ToListAsync(ct)];

    /// <summary>Customers per entry (all of them, or one), with how many of them are in the trash.</summary>
    private static async Task<Dictionary<int, (int Total, int InTrash)>> UsageAsync(CrmDbContext db, CatalogKind kind, int? only, CancellationToken ct)
    {
        if (kind == CatalogKind.Sources)
        {
            var customers = db.Customers.Where(c => c.SourceId != null && (only == null || c.SourceId == only));
            return await customers.GroupBy(c => c.SourceId!.Value)
                .Select(g => new { g.Key, Total = g.Count(), InTrash = g.Sum(c => c.IsDeleted ? 1 : 0) })
                .ToDictionaryAsync(x => x.Key, x => (x.Total, x.InTrash), ct);
        }

        var members = db.CustomerGroupMembers.Where(m => only == null || m.GroupId == only)
            .Join(db.Customers, m => m.CustomerId, c => c.Id, (m, c) => new { m.GroupId, c.IsDeleted });
        return await members.GroupBy(x => x.GroupId)
            .Select(g => new { g.Key, Total = g.Count(), InTrash = g.Sum(x => x.IsDeleted ? 1 : 0) })
            .ToDictionaryAsync(x => x.Key, x => (x.Total, x.InTrash), ct);
    }

    private static string Target(CatalogKind kind) => kind == CatalogKind.Sources ? AuditTargets.Source : AuditTargets.CustomerGroup;

    private static ICatalogEntry Find(List<ICatalogEntry> entries, int id) =>
        entries.FirstOrDefault(e => e.Id == id && !e.IsDeleted)
        ?? throw new DomainException(CatalogRules.NotFound, $"Entry {id} does not exist or was deleted.");

    private static void Require(UserAccess user)
    {
        if (!user.Has(Rights.CrmSettings))
        {
            throw new AccessDeniedException("Managing customer sources and groups needs the CRM settings right (R7.2).");
        }
    }

    private void Publish(CatalogKind kind, UserAccess user, int? deletedId = null) =>
        live.Publish(new CatalogChanged(kind, user.UserId, DeletedId: deletedId));
}

public static class CatalogFeature
{
    public static IServiceCollection AddCatalogFeature(this IServiceCollection services)
    {
        services.AddScoped<CatalogService>();
        return services;
    }
}
