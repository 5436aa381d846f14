using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Import;

/// <summary>
/// Past imports and their undo (R3.2): the list of batches a user may see, and an undo within 30 days that removes the
/// customers an import created and restores those it updated, leaving alone what changed since.
/// </summary>
public sealed class ImportHistory(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, TimeProvider clock, ILogger? logger = null,
    AttachmentStore? attachments = null, AvatarStore? avatars = null)
{
    /// <summary>The WAL checkpoint the last SQLite undo left to run after its commit; completed when none is pending.</summary>
    public Task PendingCheckpoint { get; private set; } = Task.CompletedTask;

    /// <summary>Imports of this user (every import with "view all"), newest first.</summary>
    public async Task<IReadOnlyList<ImportBatchView>> HistoryAsync(UserAccess user, CancellationToken ct = default)
    {
        ImportService.Require(user, Rights.CustomersImport);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var q = db.Set<ImportBatch>().AsNoTracking();
        if (!user.Has(Rights.CustomersViewAll))
        {
            q = q.Where(b => b.UserId == user.UserId);
        }

        var list = await q.OrderByDescending(b => b.Id).Take(200)
            .Select(b => new { b, UserName = db.StaffProfiles.Where(p => p.Id == b.UserId).Select(p => p.FullName).FirstOrDefault() })
            .ToListAsync(ct);
        return list.Select(x => new ImportBatchView(x.b.Id, x.UserName ?? "?", x.b.FileName, x.b.StartedAt, x.b.FinishedAt, x.b.Created, x.b.Updated,
            x.b.Skipped, x.b.Failed, x.b.ContactsAdded, x.b.UndoneAt, x.b.UndoLeftAlone, x.b.CanUndo(now) && (x.b.UserId == user.UserId || user.Has(Rights.UserAdmin)))).ToList();
    }

    /// <summary>
    /// Throws what an undo of this import would throw before it starts (unknown, another user's, closed), so that a caller
    /// queueing the undo as a background job can answer at once; the undo itself checks again in its transaction.
    /// </summary>
    public async Task EnsureUndoableAsync(UserAccess user, int batchId, CancellationToken ct = default)
    {
        ImportService.Require(user, Rights.CustomersImport);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await UndoableAsync(db, user, batchId, clock.GetUtcNow().UtcDateTime, ct, requireOpen: true);
    }

    private static async Task<ImportBatch> UndoableAsync(CrmDbContext db, UserAccess user, int batchId, DateTime now, CancellationToken ct, bool requireOpen = false)
    {
        var batch = await db.Set<ImportBatch>().SingleOrDefaultAsync(b => b.Id == batchId, ct)
            ?? throw new KeyNotFoundException($"Import {batchId} does not exist.");
        if (batch.UserId != user.UserId && !user.Has(Rights.UserAdmin))
        {
            throw new AccessDeniedException("Only the user who imported (or a user administrator) can undo an import.");
        }

        return !requireOpen || (batch.CanUndo(now) && batch.UndoneById is null)
            ? batch
            : throw new DomainException("import.undo-closed", "This import can no longer be undone (already undone or older than 30 days).");
    }

    /// <summary>Created customers an undo purges per call of the purge routine.</summary>
    private const int PurgeChunk = 5000;

    /// <summary>How many of the customers an undo left alone it names (the count is always whole).</summary>
    public const int KeptListed = 200;

    /// <summary>
    /// Undoes an import within 30 days: removes the customers it created that nobody changed since (same version) and
    /// restores the previous values of those it updated; customers changed after the import are left alone and reported.
    /// Progress counts the import's customers handled so far (a 100,000-row import's undo takes tens of seconds).
    /// </summary>
    public async Task<UndoResult> UndoAsync(UserAccess user, int batchId, IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        ImportService.Require(user, Rights.CustomersImport);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var batch = await UndoableAsync(db, user, batchId, now, ct);

        // Claimed in this transaction: the UPDATE locks the batch's row on PostgreSQL and SQL Server (SQLite's write
        // transaction is exclusive already), so a second undo of the same import started meanwhile waits here for this
        // one to commit and is then refused, instead of undoing it a second time.
        if (!batch.CanUndo(now)
            || await db.Set<ImportBatch>().Where(b => b.Id == batchId && b.UndoneAt == null && b.UndoneById == null)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.UndoneById, user.UserId), ct) == 0)
        {
            throw new DomainException("import.undo-closed", "This import can no longer be undone (already undone or older than 30 days).");
        }

        var items = await db.Set<ImportBatchItem>().AsNoTracking().Where(i => i.BatchId == batchId).ToListAsync(ct);
        progress?.Report(new ImportProgress(0, items.Count));
        int removed = 0, restored = 0, done = 0;
        var leftAlone = new List<int>();
        var namedAsReferrer = new HashSet<int>();
        var touched = new List<int>();
        var purgedFiles = new List<PurgedFiles>();
        // SQLite and PostgreSQL: the restored customers go back through the import's set-based writes (a statement per set
        // of changed columns and chunk, checked against the version read), not an EF UPDATE each; SQL Server through EF.
        await using var direct = db.Database.IsSqlite() || db.Database.IsNpgsql() ? await DirectWrites.StartAsync(db, ct) : null;
        // The created customers to remove, purged PurgeChunk at a time: the purge is a statement per table whatever the
        // number of customers, and one of them (the import history's snapshots) reads its whole table.
        var remove = new List<int>();
        // A chunk's change log: on PostgreSQL written while the next chunk's customers are restored.
        var tail = new ImportBulkRows.ChunkTail(db, direct is not null);
        foreach (var chunk in items.Chunk(ImportBulkRows.ReadChunk(db)))
        {
            // Created customers: only their version matters. Updated ones: whole, with contacts and groups, to restore.
            var created = chunk.Where(i => i.Created).Select(i => i.CustomerId).ToList();
            var updatedIds = chunk.Where(i => !i.Created).Select(i => i.CustomerId).ToList();
            var versions = created.Count == 0
                ? []
                : await db.Customers.Where(c => EF.Parameter(created).Contains(c.Id)).Select(c => new { c.Id, c.Version }).ToDictionaryAsync(c => c.Id, c => c.Version, ct);
            var previous = new Dictionary<int, ImportWriter.PreviousValues>();
            // A purged customer's snapshot is scrubbed (#26): nothing to restore, and the customer is gone anyway.
            foreach (var item in chunk.Where(i => !i.Created && i.PreviousJson != null))
            {
                previous[item.CustomerId] = JsonSerializer.Deserialize<ImportWriter.PreviousValues>(item.PreviousJson!)!;
            }

            IQueryable<Customer> query = db.Customers.Include(c => c.Contacts).Include(c => c.Groups);
            if (previous.Values.Any(p => p.Custom is { Count: > 0 }))
            {
                query = query.Include(c => c.CustomValues);
            }

            query = query.Where(c => EF.Parameter(updatedIds).Contains(c.Id));
            var customers = updatedIds.Count == 0
                ? []
                : await (direct is null ? query : query.AsNoTracking()).ToDictionaryAsync(c => c.Id, ct);
            // Created customers another customer names as its referrer stay, so that customer keeps its referrer (the
            // purge's delete would clear it): one query for the chunk, not one per customer.
            var referred = created.Count == 0
                ? []
                : (await db.Customers.Where(x => EF.Parameter(created).Contains(x.ReferrerCustomerId!.Value))
                    .Select(x => x.ReferrerCustomerId!.Value).Distinct().ToListAsync(ct)).ToHashSet();
            var restoredInChunk = new List<Customer>();
            var removedContacts = new List<int>();
            var removedLinks = new List<(int CustomerId, int GroupId)>();
            var logs = new List<(int CustomerId, FieldChange Change)>();
            tail.StartDeferred();
            try
            {
                foreach (var item in chunk)
                {
                    if (item.Created)
                    {
                        if (!versions.TryGetValue(item.CustomerId, out var version))
                        {
                            continue;
                        }

                        if (version != item.VersionAfter || referred.Contains(item.CustomerId))
                        {
                            leftAlone.Add(item.CustomerId);
                            if (version == item.VersionAfter)
                            {
                                namedAsReferrer.Add(item.CustomerId);
                            }

                            continue;
                        }

                        remove.Add(item.CustomerId);
                        removed++;
                        touched.Add(item.CustomerId);
                        continue;
                    }

                    if (!customers.TryGetValue(item.CustomerId, out var c))
                    {
                        continue;
                    }

                    if (c.Version != item.VersionAfter)
                    {
                        leftAlone.Add(c.Id);
                        continue;
                    }

                    direct?.Remember(c);
                    var p = previous[item.CustomerId];
                    var changes = new List<FieldChange>(c.Update(p.Details, user.UserId, now));
                    changes.AddRange(c.MoveTo(p.RelationshipId, user.UserId, now));
                    changes.AddRange(c.AssignOwner(p.OwnerId, user.UserId, now));
                    foreach (var (fieldId, value) in p.Custom ?? [])
                    {
                        changes.AddRange(c.RestoreCustomValue(fieldId, value, user.UserId, now));
                    }

                    removedLinks.AddRange(c.Groups.Where(g => !p.GroupIds.Contains(g.GroupId)).Select(g => (c.Id, g.GroupId)));
                    c.SetGroups(p.GroupIds);
                    foreach (var contact in c.Contacts.Where(x => !p.ContactIds.Contains(x.Id)).ToList())
                    {
                        c.RemoveContact(contact);
                        removedContacts.Add(contact.Id);
                        if (direct is null)
                        {
                            db.Contacts.Remove(contact);
                        }
                    }

                    logs.AddRange(changes.Select(change => (c.Id, change)));
                    restoredInChunk.Add(c);
                    restored++;
                    touched.Add(c.Id);
                }
            }
            catch
            {
                await tail.SettleAsync();
                throw;
            }

            await tail.EndAsync();
            if (direct is not null)
            {
                // Columns (version-checked), re-added group links and primary flags; then what the import had added.
                await direct.FlushAsync([], restoredInChunk, ct);
                if (removedContacts.Count > 0)
                {
                    await db.Contacts.Where(x => EF.Parameter(removedContacts).Contains(x.Id)).ExecuteDeleteAsync(ct);
                }

                foreach (var group in removedLinks.GroupBy(l => l.GroupId))
                {
                    var customerIds = group.Select(l => l.CustomerId).ToList();
                    await db.CustomerGroupMembers.Where(m => m.GroupId == group.Key && EF.Parameter(customerIds).Contains(m.CustomerId)).ExecuteDeleteAsync(ct);
                }
            }
            else
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }

            // The restored values' change log as the import writes its own: one statement, not an entity per change.
            await tail.WriteAsync(() => ImportBulkRows.InsertChangeLogAsync(db, logs, user.UserId, now, ct));

            if (remove.Count >= PurgeChunk)
            {
                purgedFiles.Add(await CustomerPurge.DeleteRowsAsync(db, remove, ct));
                remove.Clear();
            }

            done += chunk.Length;
            progress?.Report(new ImportProgress(done, items.Count));
        }

        await tail.FinishAsync();

        purgedFiles.Add(await CustomerPurge.DeleteRowsAsync(db, remove, ct));
        if (direct is not null)
        {
            await direct.FinishAsync(ct);
        }

        batch = await db.Set<ImportBatch>().SingleAsync(b => b.Id == batchId, ct);
        batch.MarkUndone(user.UserId, leftAlone.Count, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        PurgedFiles.Combine(purgedFiles).Delete(attachments, avatars);
        if (direct is not null && db.Database.IsSqlite())
        {
            // As after an import: the set-based writes turned the automatic checkpoint off for this connection.
            PendingCheckpoint = SqliteCheckpoint.RunInBackground(db.Database.GetConnectionString(), logger);
        }

        // Which customers were kept, for the user to look at: names only of those the user may see (R7.4).
        var listed = leftAlone.Take(KeptListed).ToList();
        var names = listed.Count == 0
            ? []
            : await CustomerScope.Apply(db.Customers.Where(c => listed.Contains(c.Id)), db, user).Select(c => new { c.Id, c.Name })
                .ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var kept = listed.Where(names.ContainsKey).Select(id => new UndoKept(id, names[id], namedAsReferrer.Contains(id))).ToList();
        foreach (var ids in touched.Chunk(ImportBulkRows.ChunkSize))
        {
            live.Publish(new CustomersChanged(ids, ChangeKinds.Updated, user.UserId));
        }

        return new UndoResult(removed, restored, leftAlone) { Kept = kept };
    }
}
