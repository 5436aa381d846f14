using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Audit;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

public enum BulkKind
{
    ChangeRelationship,
    ChangeOwner,
    AddToGroup,
    Delete,
}

/// <summary>A bulk action (R5.4) on the selected ids, or on every customer matching <see cref="Filter"/> when ids are null.</summary>
public sealed record BulkRequest(BulkKind Kind, IReadOnlyList<int>? Ids, CustomerListQuery? Filter = null, int? RelationshipId = null,
    string? OwnerId = null, int? GroupId = null);

/// <summary>How many customers were changed and how many were refused (not visible to the user, or gone).</summary>
public sealed record BulkResult(int Changed, int Refused);

public sealed record TrashRow(int Id, string? Code, string Name, string? Phone, string? Email, DateTime? DeletedAt, string? DeletedByName);

public sealed partial class CustomerService
{
    private const int BatchSize = 500;

    /// <summary>
    /// Runs a bulk action. Needs "edit" (or "delete" for delete) and is applied only to customers the user may see (R7.3);
    /// the others are counted as refused. Changing the relationship in bulk runs no automation (R2.6b).
    /// </summary>
    public async Task<BulkResult> BulkAsync(UserAccess user, BulkRequest request, CancellationToken ct = default)
    {
        if (request.Kind == BulkKind.Delete)
        {
            Require(user, Rights.CustomersDelete, "delete customers");
        }
        else
        {
            Require(user, Rights.CustomersEdit, "edit customers");
        }

        List<int> requested;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            requested = request.Ids is not null
                ? request.Ids.Distinct().ToList()
                : await Filter(db, user, request.Filter ?? new CustomerListQuery()).Select(c => c.Id).ToListAsync(ct);
            switch (request.Kind)
            {
                case BulkKind.ChangeRelationship:
                    await RequireRelationshipAsync(db, request.RelationshipId?.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
                    break;
                case BulkKind.ChangeOwner when request.OwnerId is not null && !await db.StaffProfiles.AnyAsync(p => p.Id == request.OwnerId && p.IsActive, ct):
                    throw new DomainException(CustomerRuleCodes.OwnerUnknown, "The owner is not an active staff member.");
                case BulkKind.AddToGroup when request.GroupId is null || !await db.CustomerGroups.AnyAsync(g => g.Id == request.GroupId && !g.IsDeleted, ct):
                    throw new DomainException(CustomerRuleCodes.FieldUnknown, "The group does not exist.");
            }
        }

        var changedIds = new List<int>();
        var touched = 0;
        // One transaction for the whole action, committed before anyone hears of it: a failure half-way changes nothing.
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var batch in requested.Chunk(BatchSize))
            {
                var query = CustomerScope.Apply(db.Customers.Where(c => batch.Contains(c.Id) && !c.IsDeleted), db, user);
                if (request.Kind == BulkKind.AddToGroup)
                {
                    query = query.Include(c => c.Groups);
                }

                var customers = await query.ToListAsync(ct);
                touched += customers.Count;
                var now = UtcNow;
                foreach (var c in customers)
                {
                    IReadOnlyList<FieldChange> changes = request.Kind switch
                    {
                        BulkKind.ChangeRelationship => c.MoveTo(request.RelationshipId!.Value, user.UserId, now),
                        BulkKind.ChangeOwner => c.AssignOwner(request.OwnerId, user.UserId, now),
                        BulkKind.AddToGroup => AddToGroup(c, request.GroupId!.Value, user.UserId, now),
                        _ => Trash(c, user.UserId, now),
                    };
                    if (changes.Count > 0)
                    {
                        Log(db, c.Id, user.UserId, now, changes, OriginBulk);
                        changedIds.Add(c.Id);
                    }
                }

                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }

            await tx.CommitAsync(ct);
        }

        if (changedIds.Count > 0)
        {
            Publish(new CustomersChanged(changedIds, request.Kind == BulkKind.Delete ? ChangeKinds.Trashed : ChangeKinds.Updated, user.UserId, request.Kind switch
            {
                BulkKind.ChangeRelationship => CustomerChange.Stage,
                BulkKind.ChangeOwner => CustomerChange.Owner,
                BulkKind.AddToGroup => CustomerChange.Links,
                _ => CustomerChange.Lifecycle,
            }));
        }

        return new BulkResult(touched, requested.Count - touched);
    }

    /// <summary>Moves one customer to the trash (R6.1).</summary>
    public async Task<bool> DeleteAsync(UserAccess user, int id, CancellationToken ct = default) =>
        (await BulkAsync(user, new BulkRequest(BulkKind.Delete, [id]), ct)).Changed == 1;

    private static FieldChange[] AddToGroup(Customer c, int groupId, string userId, DateTime now)
    {
        if (c.Groups.Any(g => g.GroupId == groupId))
        {
            return [];
        }

        var before = string.Join(',', c.Groups.Select(g => g.GroupId));
        c.SetGroups(c.Groups.Select(g => g.GroupId).Append(groupId).ToList());
        FieldChange[] changes = [new FieldChange("Groups", before, string.Join(',', c.Groups.Select(g => g.GroupId)))];
        c.RecordChanges(changes, userId, now);
        return changes;
    }

    private static FieldChange[] Trash(Customer c, string userId, DateTime now)
    {
        c.MoveToTrash(userId, now);
        return [new FieldChange(nameof(Customer.IsDeleted), "false", "true")];
    }

    /// <summary>The trash (R6.1): deleted customers the user may see, newest first, with who deleted them and when.</summary>
    public async Task<PagedResult<TrashRow>> TrashAsync(UserAccess user, string? search, int page, int pageSize, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Merged customers are hidden, not trashed (R6.4): they come back by an unmerge, not from the trash.
        var trashed = CustomerSearch.Apply(CustomerScope.Apply(CustomerScope.Trash(db), db, user), search);
        var total = await trashed.CountAsync(ct);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var rows = await trashed.OrderByDescending(c => c.DeletedAt).ThenByDescending(c => c.Id).Skip(Math.Max(0, page) * size).Take(size)
            .Select(c => new TrashRow(c.Id, c.Code, c.Name, c.Phone, c.Email, c.DeletedAt,
                db.StaffProfiles.Where(p => p.Id == c.DeletedById).Select(p => p.FullName).FirstOrDefault()))
            .ToListAsync(ct);
        return new PagedResult<TrashRow>(rows, total);
    }

    /// <summary>Restores customers from the trash (R6.1); needs "delete" and visibility.</summary>
    public async Task<BulkResult> RestoreAsync(UserAccess user, IReadOnlyList<int> ids, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersDelete, "restore customers");
        var restored = new List<int>();
        foreach (var batch in ids.Distinct().Chunk(BatchSize))
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var customers = await CustomerScope.Apply(CustomerScope.Trash(db).Where(c => batch.Contains(c.Id)), db, user).ToListAsync(ct);
            var now = UtcNow;
            foreach (var c in customers)
            {
                c.RestoreFromTrash(user.UserId, now);
                Log(db, c.Id, user.UserId, now, [new FieldChange(nameof(Customer.IsDeleted), "true", "false")], OriginGrid);
                restored.Add(c.Id);
            }

            await db.SaveChangesAsync(ct);
        }

        if (restored.Count > 0)
        {
            Publish(new CustomersChanged(restored, ChangeKinds.Restored, user.UserId, CustomerChange.Lifecycle));
        }

        return new BulkResult(restored.Count, ids.Distinct().Count() - restored.Count);
    }

    /// <summary>Purges trashed customers for ever with everything attached to them (R6.2, R6.3); needs "purge".</summary>
    public async Task<BulkResult> PurgeAsync(UserAccess user, IReadOnlyList<int> ids, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersPurge, "purge customers");
        var purged = new List<int>();
        foreach (var batch in ids.Distinct().Chunk(BatchSize))
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var allowed = await CustomerScope.Apply(CustomerScope.Trash(db).Where(c => batch.Contains(c.Id)), db, user).Select(c => c.Id).ToListAsync(ct);
            await PurgeRowsAsync(db, allowed, ct);
            purged.AddRange(allowed);
        }

        if (purged.Count > 0)
        {
            logger?.LogInformation("User {User} purged {Count} customers from the trash.", user.UserName, purged.Count);
            Publish(new CustomersChanged(purged, ChangeKinds.Purged, user.UserId, CustomerChange.Lifecycle));
        }

        return new BulkResult(purged.Count, ids.Distinct().Count() - purged.Count);
    }

    /// <summary>The background job's work: purges customers trashed more than the retention period ago (R6.2).</summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken ct = default)
    {
        var cutoff = UtcNow.AddDays(-_options.TrashRetentionDays);
        var total = 0;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var ids = await CustomerScope.Trash(db).Where(c => c.DeletedAt < cutoff).OrderBy(c => c.Id).Select(c => c.Id).Take(BatchSize).ToListAsync(ct);
            if (ids.Count == 0)
            {
                // Merged customers wait for their merge's undo time (R6.4), whatever the trash's retention; then they go
                // with their merge record.
                var now = UtcNow;
                ids = await db.CustomerMerges.Where(r => r.UndoneAt == null && r.ExpiresAt <= now)
                    .Join(db.Customers, r => r.MergedId, c => c.Id, (r, c) => new { c.Id, c.MergedIntoId, r.SurvivorId })
                    .Where(x => x.MergedIntoId == x.SurvivorId).OrderBy(x => x.Id).Select(x => x.Id).Take(BatchSize).ToListAsync(ct);
                if (ids.Count == 0)
                {
                    // Undone merges past their time are history no longer needed.
                    await db.CustomerMerges.Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(ct);
                    break;
                }
            }

            await PurgeRowsAsync(db, ids, ct);
            total += ids.Count;
            Publish(new CustomersChanged(ids, ChangeKinds.Purged, null, CustomerChange.Lifecycle));
        }

        return total;
    }

    /// <summary>The longest reason an erasure on request records.</summary>
    public const int MaxEraseReasonLength = 500;

    /// <summary>
    /// Erases a customer on request (#26): purges it at once, trash or not, with the purge right, and writes an audit entry
    /// naming who and why — the customer's id only, none of its data — in the same transaction. Backups taken before keep
    /// their copy until an administrator deletes them.
    /// </summary>
    /// <returns>False when the customer is gone or not visible to the user: nothing was erased.</returns>
    public async Task<bool> EraseAsync(UserAccess user, int id, string reason, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersPurge, "erase customers");
        reason = reason?.Trim() ?? string.Empty;
        if (reason.Length == 0 || reason.Length > MaxEraseReasonLength)
        {
            throw new DomainException("customer.erase-reason", $"Say why the customer is erased (1 to {MaxEraseReasonLength} characters).");
        }

        PurgedFiles files;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (!await CustomerScope.Apply(db.Customers.Where(c => c.Id == id), db, user).AnyAsync(ct))
            {
                return false;
            }

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            files = await CustomerPurge.DeleteRowsAsync(db, [id], ct);
            db.AddAudit(user, AuditActions.CustomerErased, AuditTargets.Customer, id, null, null, AuditRecorder.Values(("reason", reason)));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        files.Delete(attachments, avatars);
        logger?.LogInformation("User {User} erased customer {Id} on request.", user.UserName, id);
        Publish(new CustomersChanged([id], ChangeKinds.Purged, user.UserId, CustomerChange.Lifecycle));
        return true;
    }

    /// <summary>The purge in its own transaction; the files go after the commit (R6.3, #26).</summary>
    private async Task PurgeRowsAsync(CrmDbContext db, List<int> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }

        PurgedFiles files;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            files = await CustomerPurge.DeleteRowsAsync(db, ids, ct);
            await tx.CommitAsync(ct);
        }

        files.Delete(attachments, avatars);
    }
}

/// <summary>Purges the trash automatically (R6.2): every <see cref="CustomerOptions.TrashPurgeIntervalMinutes"/>, logged.</summary>
public sealed class TrashPurgeJob(IServiceScopeFactory scopes, CustomerOptions options, ILogger<TrashPurgeJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(Math.Max(1, options.TrashPurgeIntervalMinutes)));
        do
        {
            try
            {
                using var scope = scopes.CreateScope();
                var purged = await scope.ServiceProvider.GetRequiredService<CustomerService>().PurgeExpiredAsync(stoppingToken);
                logger.LogInformation("Trash purge: {Count} customers deleted more than {Days} days ago were purged.", purged, options.TrashRetentionDays);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Trash purge failed; it will run again.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
