using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Import;

/// <summary>
/// The import itself (R3.2–R3.6): in ONE transaction, the check made again, then rows written in chunks — set-based on
/// SQLite and PostgreSQL (<see cref="DirectWrites"/>), through EF on SQL Server — with the change log, the batch and its
/// items for undo, and one live event per chunk after the commit.
/// </summary>
public sealed class ImportWriter(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, TimeProvider clock, ILogger? logger = null)
{
    private const int LargeImportRows = 10_000;

    /// <summary>
    /// The WAL checkpoint the last SQLite import left to run after its commit (SqliteCheckpoint); completed when none is
    /// pending. Tests and the benchmark wait for it; the app does not need to.
    /// </summary>
    public Task PendingCheckpoint { get; private set; } = Task.CompletedTask;

    /// <summary>PostgreSQL advisory lock key that imports hold for their transaction.</summary>
    private const long ImportLockKey = 0x43524D5F494D50; // "CRM_IMP"

    /// <summary>
    /// Imports in ONE transaction: every valid row or none (a crash or a cancel leaves the database as it was). Rows
    /// are written in batches of <see cref="ImportBulkRows.WriteChunk"/>; the change log gets entries with origin "import"; after the
    /// commit <see cref="CustomersChanged"/> events of at most <see cref="ImportBulkRows.ChunkSize"/> customers each go out.
    /// </summary>
    /// <param name="checkedBefore">The check the user confirmed, if any: its parsed rows are reused (see CheckAsync) and
    /// released when the import ends, so a large sheet is parsed once and its rows are not held twice.</param>
    public async Task<ImportResult> ImportAsync(UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping, ImportOptions options,
        IProgress<ImportProgress>? progress = null, CancellationToken ct = default, ImportCheck? checkedBefore = null)
    {
        ImportService.Require(user, Rights.CustomersImport);
        foreach (var owner in options.OwnerRotation)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (db.Database.IsNpgsql())
        {
            // Imports take turns, also across app instances: the check below then sees what an import that committed
            // meanwhile wrote, so two imports of the same file do not both create its customers. (SQLite's write
            // transaction is exclusive already.)
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({ImportLockKey})", ct);
        }

        var check = await ImportChecker.CheckAsync(db, user, sheet, mapping, options, ct, checkedBefore);
        if (checkedBefore is not null)
        {
            checkedBefore.Rows = [];
            checkedBefore.Decisions = [];
        }

        var activeOwners = options.OwnerRotation.Count == 0
            ? []
            : await db.StaffProfiles.Where(p => p.IsActive && options.OwnerRotation.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
        // Round robin in the order the user chose them.
        activeOwners = options.OwnerRotation.Distinct().Where(activeOwners.Contains).ToList();
        if (activeOwners.Count != options.OwnerRotation.Distinct().Count())
        {
            throw new DomainException("import.owner-inactive", "An owner chosen for the round robin is not an active user.");
        }

        var lookups = await ImportChecker.LookupsAsync(db, ct, options.ValueMappings);
        // The custom fields the file writes (R1.3): loaded with the customers it updates, and kept in their snapshots for undo.
        var customIds = mapping.Select(f => ImportFields.TryGetCustomId(f, out var id) ? id : 0).Where(id => id > 0).Distinct().ToArray();
        var batch = new ImportBatch(user.UserId, sheet.FileName, now);
        db.Add(batch);
        await db.SaveChangesAsync(ct);

        // The import owns these arrays (the confirmed check let go of them above) and drops each chunk's rows once they
        // are written: a 100,000-row sheet's parsed rows (~70 MB) are released as the import goes instead of at its end.
        var rows = check.Rows as ParsedRow[] ?? [.. check.Rows];
        var decisions = check.Decisions as ImportDecision[] ?? [.. check.Decisions];
        check.Rows = [];
        check.Decisions = [];
        if (rows.Length >= LargeImportRows)
        {
            // Parsing and checking a large sheet leaves hundreds of megabytes of garbage (500 MB allocated for 100,000
            // rows) that the collector would carry next to the write's own memory for a while: one full collection
            // before the long write lowers the import's peak working set. Aggressive, so the freed memory also goes
            // back to the system instead of staying committed under SQLite's page cache (0.1–0.16 s; first import in
            // a fresh process, 100,000 rows: peak 381–400 MB with a forced collection, 376–379 MB with this one).
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        // SQLite and PostgreSQL: rows go straight to the database in a few set-based statements per chunk (DirectWrites);
        // SQL Server through SaveChanges.
        await using var direct = db.Database.IsSqlite() || db.Database.IsNpgsql() ? await DirectWrites.StartAsync(db, ct) : null;
        // Issue 21: a code of the generated form may already be taken (kept from an old system); new codes skip it.
        var codes = await Customers.GeneratedCodes.LoadAsync(db, rows.Select(r => r.Code), ct);
        direct?.Codes = codes;
        var createdIds = new Dictionary<int, int>();
        // Batch items are written with their chunk (a snapshot of each updated customer is not kept for the whole
        // import); a customer a later chunk touches again gets its final version at the end.
        var items = new Dictionary<int, ImportBatchItem>();
        var itemVersions = new Dictionary<int, int>();
        var laterVersions = new Dictionary<int, int>();
        var changedChunks = new List<int[]>();
        int created = 0, updated = 0, contactsAdded = 0, rotation = 0;
        var total = rows.Length;

        var chunkSize = ImportBulkRows.WriteChunk(db);
        // A chunk's change log and batch items: on PostgreSQL written while the next chunk's rows are applied.
        var tail = new ImportBulkRows.ChunkTail(db, direct is not null);
        for (var start = 0; start < total; start += chunkSize)
        {
            ct.ThrowIfCancellationRequested();
            var end = Math.Min(total, start + chunkSize);
            var newInChunk = new Dictionary<int, Customer>();
            var loaded = new Dictionary<int, Customer>();
            var logs = new List<(Customer Customer, FieldChange Change)>();

            if (direct is not null)
            {
                await direct.ReserveIdsAsync(decisions.Skip(start).Take(end - start).Count(d => d.Action == ImportAction.Create), ct);
            }

            // Existing customers this chunk updates or adds contacts to, loaded at once.
            var wantedIds = new HashSet<int>();
            for (var i = start; i < end; i++)
            {
                var d = decisions[i];
                if (d.Action is ImportAction.Update or ImportAction.AddContact)
                {
                    var id = d.ExistingId ?? (d.TargetIndex is { } t && createdIds.TryGetValue(t, out var cid) ? cid : (int?)null);
                    if (id is not null)
                    {
                        wantedIds.Add(id.Value);
                    }
                }
            }

            foreach (var idChunk in wantedIds.Chunk(ImportBulkRows.ReadChunk(db)))
            {
                IQueryable<Customer> query = db.Customers.Include(c => c.Contacts).Include(c => c.Groups);
                if (customIds.Length > 0)
                {
                    query = query.Include(c => c.CustomValues);
                }

                query = query.Where(c => EF.Parameter(idChunk).Contains(c.Id));
                foreach (var c in await (direct is null ? query : query.AsNoTracking()).ToListAsync(ct))
                {
                    loaded[c.Id] = c;
                    direct?.Remember(c);
                }
            }

            // An existing customer's values before the import's first change to it, for undo.
            void KeepBefore(Customer c)
            {
                if (c.Id != 0 && !items.ContainsKey(c.Id) && !itemVersions.ContainsKey(c.Id))
                {
                    items[c.Id] = new ImportBatchItem(batch.Id, c.Id, false, 0, Snapshot(c, customIds));
                }
            }

            tail.StartDeferred();
            try
            {
                for (var i = start; i < end; i++)
                {
                    var row = rows[i];
                    var d = decisions[i];
                    switch (d.Action)
                    {
                        case ImportAction.Create:
                        {
                            var owner = row.OwnerId ?? (activeOwners.Count == 0 ? user.UserId : activeOwners[rotation++ % activeOwners.Count]);
                            var c = Customer.Create(row.Details!, row.RelationshipId ?? lookups.DefaultRelationshipId, owner, user.UserId, now, row.Code);
                            direct?.AssignId(c);
                            if (row.GroupIds is { Length: > 0 } groups)
                            {
                                c.SetGroups(groups);
                            }

                            foreach (var (fieldId, value) in row.CustomValues ?? [])
                            {
                                c.SetCustomValue(lookups.CustomField(fieldId)!, value);
                            }

                            if (row.Contact is not null)
                            {
                                // R3.4: the customer's own row carries the primary contact.
                                c.MakePrimary(c.AddContact(row.Contact.ToContact()));
                                contactsAdded++;
                            }

                            if (direct is null)
                            {
                                db.Customers.Add(c);
                            }

                            newInChunk[i] = c;
                            logs.Add((c, new FieldChange("Imported", null, sheet.FileName)));
                            created++;
                            break;
                        }

                        case ImportAction.Update:
                        {
                            var c = Target(d, newInChunk, createdIds, loaded);
                            KeepBefore(c);

                            foreach (var change in ApplyUpdate(c, row, d.ByCode, lookups, user.UserId, now))
                            {
                                logs.Add((c, change));
                            }

                            if (row.Contact is not null && AddContactIfNew(c, row.Contact, primary: true))
                            {
                                contactsAdded++;
                            }

                            // A later row of the file updating a customer an earlier row creates counts as an update too,
                            // as the check step counted it.
                            updated++;

                            break;
                        }

                        case ImportAction.AddContact:
                        {
                            var c = Target(d, newInChunk, createdIds, loaded);
                            KeepBefore(c);

                            if (AddContactIfNew(c, row.Contact!, primary: false))
                            {
                                contactsAdded++;
                            }

                            break;
                        }
                    }
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
                await direct.FlushAsync(newInChunk.Values, loaded.Values, ct);
            }
            else
            {
                db.ChangeTracker.DetectChanges();
                await db.SaveChangesAsync(ct);
                foreach (var c in newInChunk.Values)
                {
                    // The generated code (R1.1) needs the id the insert gave.
                    c.AssignGeneratedCode(codes.For(c.Id));
                }

                db.ChangeTracker.DetectChanges();
                await db.SaveChangesAsync(ct);
            }

            foreach (var (index, c) in newInChunk)
            {
                createdIds[index] = c.Id;
                items[c.Id] = new ImportBatchItem(batch.Id, c.Id, true, 0, null);
            }

            var touched = newInChunk.Values.Concat(loaded.Values).Concat(logs.Select(l => l.Customer)).Distinct().ToList();
            foreach (var c in touched)
            {
                if (items.TryGetValue(c.Id, out var item))
                {
                    item.VersionAfter = c.Version;
                }
                else if (itemVersions.TryGetValue(c.Id, out var written) && written != c.Version)
                {
                    laterVersions[c.Id] = c.Version;
                }
            }

            var logRows = logs.Select(l => (l.Customer.Id, l.Change)).ToList();
            var itemRows = items.Values.Select(i => new object?[] { i.CustomerId, i.Created, i.VersionAfter, i.PreviousJson }).ToList();
            await tail.WriteAsync(async () =>
            {
                await ImportBulkRows.InsertChangeLogAsync(db, logRows, user.UserId, now, ct);
                await ImportBulkRows.InsertAsync(db, "ImportBatchItems", ["CustomerId", "Created", "VersionAfter", "PreviousJson"], itemRows,
                    [("BatchId", batch.Id)], ct);
            });

            foreach (var item in items.Values)
            {
                itemVersions[item.CustomerId] = item.VersionAfter;
            }

            items.Clear();

            if (touched.Count > 0)
            {
                // Live events name at most ChunkSize customers each, whatever the provider's chunk.
                changedChunks.AddRange(touched.Select(c => c.Id).Chunk(ImportBulkRows.ChunkSize));
            }

            db.ChangeTracker.Clear();
            Array.Clear(rows, start, end - start);
            Array.Clear(decisions, start, end - start);
            progress?.Report(new ImportProgress(end, total));
        }

        await tail.FinishAsync();

        // One statement per final version (a customer a file updates n times is at its version + n), not per customer.
        foreach (var group in laterVersions.GroupBy(v => v.Value, v => v.Key))
        {
            foreach (var ids in group.Chunk(ImportBulkRows.QueryChunk))
            {
                await db.Set<ImportBatchItem>().Where(i => i.BatchId == batch.Id && EF.Parameter(ids).Contains(i.CustomerId))
                    .ExecuteUpdateAsync(u => u.SetProperty(i => i.VersionAfter, group.Key), ct);
            }
        }

        var saved = await db.Set<ImportBatch>().SingleAsync(b => b.Id == batch.Id, ct);
        saved.Finish(created, updated, check.Skip, check.Fail, contactsAdded, clock.GetUtcNow().UtcDateTime);
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        ct.ThrowIfCancellationRequested();
        if (direct is not null)
        {
            await direct.FinishAsync(ct);
        }

        await tx.CommitAsync(ct);
        if (direct is not null && db.Database.IsSqlite())
        {
            PendingCheckpoint = SqliteCheckpoint.RunInBackground(db.Database.GetConnectionString(), logger);
        }

        foreach (var ids in changedChunks)
        {
            live.Publish(new CustomersChanged(ids, ChangeKinds.Updated, user.UserId));
        }

        if (total == 0)
        {
            progress?.Report(new ImportProgress(0, 0));
        }

        // The result outlives the import (jobs keep it for hours): without the parsed rows, only counts and failures.
        return new ImportResult(batch.Id, created, updated, check.Skip, check.Fail, contactsAdded, check with { ParsedFrom = null });
    }


    private static Customer Target(ImportDecision d, Dictionary<int, Customer> newInChunk, Dictionary<int, int> createdIds, Dictionary<int, Customer> loaded)
    {
        if (d.TargetIndex is { } t && newInChunk.TryGetValue(t, out var fresh))
        {
            return fresh;
        }

        var id = d.ExistingId ?? createdIds[d.TargetIndex!.Value];
        return loaded[id];
    }

    /// <summary>The file's values are added to the customer (R3.5): only the fields the row fills change.</summary>
    /// <param name="byCode">An overwrite by code: a blank relationship cell moves the customer to the first relationship (seed 001, R2.6c).</param>
    private static List<FieldChange> ApplyUpdate(Customer c, ParsedRow row, bool byCode, ImportLookups lookups, string userId, DateTime now)
    {
        var n = row.Details!;
        bool G(ImportField f) => row.Given.Contains(f);
        var details = new CustomerDetails
        {
            Name = G(ImportField.Name) ? n.Name : c.Name,
            Phone = G(ImportField.Phone) ? n.Phone : c.Phone,
            Email = G(ImportField.Email) ? n.Email : c.Email,
            Address = G(ImportField.Address) ? n.Address : c.Address,
            Birthday = G(ImportField.Birthday) ? n.Birthday : c.Birthday,
            Gender = G(ImportField.Gender) ? n.Gender : c.Gender,
            TaxCode = G(ImportField.TaxCode) ? n.TaxCode : c.TaxCode,
            Country = G(ImportField.Country) ? n.Country : c.Country,
            Province = G(ImportField.Province) ? n.Province : c.Province,
            District = G(ImportField.District) ? n.District : c.District,
            Website = G(ImportField.Website) ? n.Website : c.Website,
            Industry = G(ImportField.Industry) ? n.Industry : c.Industry,
            SourceId = G(ImportField.Source) ? n.SourceId : c.SourceId,
            AvatarUrl = c.AvatarUrl,
        };
        var changes = new List<FieldChange>(c.Update(details, userId, now));
        if ((row.RelationshipId ?? (byCode && row.RelationshipBlank ? lookups.DefaultRelationshipId : null)) is { } rel)
        {
            changes.AddRange(c.MoveTo(rel, userId, now));
        }

        if (row.OwnerId is { } owner)
        {
            changes.AddRange(c.AssignOwner(owner, userId, now));
        }

        if (row.GroupIds is { Length: > 0 } groups)
        {
            var before = c.Groups.Select(g => g.GroupId).ToHashSet();
            if (!groups.All(before.Contains))
            {
                c.SetGroups(before.Concat(groups));
                changes.Add(new FieldChange("Groups", string.Join(',', before.Order()), string.Join(',', before.Concat(groups).Distinct().Order())));
            }
        }

        // Custom fields as the built-in ones: a filled cell sets the value (change log "cf:<id>"), a blank one leaves it.
        foreach (var (fieldId, value) in row.CustomValues ?? [])
        {
            changes.AddRange(c.SetCustomValue(lookups.CustomField(fieldId)!, value, userId, now));
        }

        return changes;
    }

    /// <param name="primary">The customer's own row's contact (R3.4): it becomes the primary one. A continuation row's
    /// contact never does, even on a customer that has none yet.</param>
    private static bool AddContactIfNew(Customer c, ImportContact contact, bool primary)
    {
        var key = SearchKey.Fold(contact.Name);
        if (c.Contacts.Any(x => SearchKey.Fold(x.Name) == key && x.Phone == contact.Phone && x.Email == contact.Email))
        {
            return false;
        }

        var added = primary ? c.AddContact(contact.ToContact()) : c.AddFurtherContact(contact.ToContact());
        if (primary)
        {
            c.MakePrimary(added);
        }

        return true;
    }

    /// <param name="Custom">The values of the custom fields the import wrote (null where the customer had none), when it wrote any.</param>
    internal sealed record PreviousValues(string? Code, CustomerDetails Details, int RelationshipId, string? OwnerId, int[] GroupIds, int[] ContactIds,
        Dictionary<int, string?>? Custom = null);

    private static string Snapshot(Customer c, int[] customIds) => JsonSerializer.Serialize(new PreviousValues(c.Code, new CustomerDetails
    {
        Name = c.Name, Phone = c.Phone, Email = c.Email, Address = c.Address, Birthday = c.Birthday, Gender = c.Gender, TaxCode = c.TaxCode,
        Country = c.Country, Province = c.Province, District = c.District, Website = c.Website, Industry = c.Industry, SourceId = c.SourceId,
        AvatarUrl = c.AvatarUrl,
    }, c.RelationshipId, c.OwnerId, c.Groups.Select(g => g.GroupId).ToArray(), c.Contacts.Select(x => x.Id).ToArray(),
        customIds.Length == 0 ? null : customIds.ToDictionary(id => id, id => c.CustomValues.FirstOrDefault(v => v.FieldId == id)?.Value)));

}
