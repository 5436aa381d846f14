using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using MiniExcelLibs;

namespace CrmBlazor.Features.Import;

/// <summary>A row the check or the import could not take, with its reasons.</summary>
public sealed record FailedRow(int Index, int RowNumber, IReadOnlyList<ImportRowError> Errors);

/// <summary>The check step (R3.2): what the import would do, computed before anything is written.</summary>
public sealed record ImportCheck(int Create, int Update, int Skip, int Fail, int ContactsAdded, IReadOnlyList<FailedRow> FailedRows,
    IReadOnlyList<(int RowNumber, string Reason, int? DuplicateOfRow)> SkippedRows)
{
    internal IReadOnlyList<ParsedRow> Rows { get; set; } = [];
    internal IReadOnlyList<ImportDecision> Decisions { get; set; } = [];

    /// <summary>What the rows were parsed from: an import of the same sheet, mapping and reference data reuses them.</summary>
    internal (ImportSheet Sheet, ImportField[] Mapping, string Lookups)? ParsedFrom { get; init; }

    internal bool Parsed(ImportSheet sheet, IReadOnlyList<ImportField> mapping, string lookups) =>
        Rows.Count == sheet.Rows.Count && ParsedFrom is { } from && ReferenceEquals(from.Sheet, sheet) && from.Mapping.SequenceEqual(mapping) && from.Lookups == lookups;
}

/// <summary>What an import did (R3.2 result summary).</summary>
public sealed record ImportResult(int BatchId, int Created, int Updated, int Skipped, int Failed, int ContactsAdded, ImportCheck Check);

public sealed record ImportProgress(int Done, int Total);

public sealed record ImportBatchView(int Id, string UserName, string FileName, DateTime StartedAt, DateTime? FinishedAt, int Created, int Updated,
    int Skipped, int Failed, int ContactsAdded, DateTime? UndoneAt, int UndoLeftAlone, bool CanUndo);

public sealed record UndoResult(int Removed, int Restored, IReadOnlyList<int> LeftAlone)
{
    /// <summary>The first <see cref="ImportService.KeptListed"/> customers left alone that the user may see, with why.</summary>
    public IReadOnlyList<UndoKept> Kept { get; init; } = [];
}

/// <summary>A customer an undo left alone: changed after the import, or named by another customer as its referrer.</summary>
public sealed record UndoKept(int Id, string Name, bool NamedAsReferrer);

/// <summary>Reference data for templates, the mapping and the options step.</summary>
public sealed record ImportReference(IReadOnlyList<string> Relationships, IReadOnlyList<string> Sources, IReadOnlyList<string> Groups,
    IReadOnlyList<(string Id, string Login, string FullName)> Owners)
{
    /// <summary>The custom fields a column may go to (R1.3), not deleted, in their order.</summary>
    public IReadOnlyList<CustomFieldDefinition> CustomFields { get; init; } = [];
}

/// <summary>
/// Spreadsheet import (R3): templates, mapping proposals remembered per user, the check step, the import itself in one
/// transaction with batched inserts, change log and one live event per batch, history and undo.
/// Every entry point checks the import right; updates touch only customers the user may see (R7.3) and edit (R7.4).
/// </summary>
public sealed class ImportService(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, TimeProvider clock, ImportLimits limits,
    ILogger<ImportService>? logger = null, AttachmentStore? attachments = null, AvatarStore? avatars = null)
{
    public const string Origin = "import";
    private const int ChunkSize = 1000;
    private const int QueryChunk = 500;
    private const int LargeImportRows = 10_000;

    public ImportLimits Limits => limits;

    /// <summary>
    /// The WAL checkpoint the last SQLite import left to run after its commit (SqliteCheckpoint); completed when none is
    /// pending. Tests and the benchmark wait for it; the app does not need to.
    /// </summary>
    public Task PendingCheckpoint { get; private set; } = Task.CompletedTask;

    public static void Require(UserAccess user, Rights right)
    {
        if (!user.Has(right))
        {
            throw new AccessDeniedException($"The right {right} is needed.");
        }
    }

    public ImportSheet ReadFile(UserAccess user, string fileName, byte[] bytes, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersImport);
        return ImportFileReader.Read(fileName, bytes, limits, ct);
    }

    public async Task<ImportReference> ReferenceAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var relationships = await db.Relationships.AsNoTracking().Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => r.Name).ToListAsync(ct);
        var sources = await db.Sources.AsNoTracking().Where(s => !s.IsDeleted).OrderBy(s => s.Position).Select(s => s.Name).ToListAsync(ct);
        var groups = await db.CustomerGroups.AsNoTracking().Where(g => !g.IsDeleted).OrderBy(g => g.Position).ThenBy(g => g.Id).Select(g => g.Name).ToListAsync(ct);
        var owners = await db.StaffProfiles.AsNoTracking().Where(p => p.IsActive).OrderBy(p => p.UserName)
            .Select(p => new { p.Id, p.UserName, p.FullName }).ToListAsync(ct);
        return new ImportReference(relationships, sources, groups, owners.Select(o => (o.Id, o.UserName, o.FullName)).ToList())
        {
            CustomFields = await LiveCustomFields(db).ToListAsync(ct),
        };
    }

    public async Task<ImportLookups> LookupsAsync(CrmDbContext db, CancellationToken ct)
    {
        var relationships = await db.Relationships.AsNoTracking().Where(r => !r.IsDeleted).OrderBy(r => r.Position)
            .Select(r => new { r.Id, r.Name, r.IsDefault }).ToListAsync(ct);
        var first = relationships.FirstOrDefault(r => r.IsDefault) ?? relationships.FirstOrDefault()
            ?? throw new InvalidOperationException("No relationship exists.");
        var lookups = new ImportLookups(first.Id);
        foreach (var r in relationships)
        {
            lookups.AddRelationship(r.Id, r.Name);
        }

        foreach (var s in await db.Sources.AsNoTracking().Where(s => !s.IsDeleted).Select(s => new { s.Id, s.Name }).ToListAsync(ct))
        {
            lookups.AddSource(s.Id, s.Name);
        }

        foreach (var g in await db.CustomerGroups.AsNoTracking().Where(g => !g.IsDeleted).Select(g => new { g.Id, g.Name }).ToListAsync(ct))
        {
            lookups.AddGroup(g.Id, g.Name);
        }

        foreach (var p in await db.StaffProfiles.AsNoTracking().Where(p => p.IsActive).Select(p => new { p.Id, p.UserName }).ToListAsync(ct))
        {
            lookups.AddOwner(p.Id, p.UserName);
        }

        foreach (var f in await LiveCustomFields(db).ToListAsync(ct))
        {
            lookups.AddCustomField(f);
        }

        return lookups;
    }

    private static IQueryable<CustomFieldDefinition> LiveCustomFields(CrmDbContext db) =>
        db.CustomFields.AsNoTracking().Where(f => !f.IsDeleted).OrderBy(f => f.Position).ThenBy(f => f.Id);

    /// <summary>The custom fields a column may go to (id → name), for the API's mapping.</summary>
    public async Task<IReadOnlyDictionary<int, string>> CustomFieldNamesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await LiveCustomFields(db).ToDictionaryAsync(f => f.Id, f => f.Name, ct);
    }

    /// <summary>The mapping proposed for these headers: what this user chose last time for the same header, else by its words.</summary>
    public async Task<ImportField[]> ProposeMappingAsync(UserAccess user, IReadOnlyList<string> headers, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersImport);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var memory = await db.Set<ImportMappingMemory>().AsNoTracking().SingleOrDefaultAsync(m => m.UserId == user.UserId, ct);
        var remembered = Parse(memory?.Json);
        var custom = await LiveCustomFields(db).Select(f => new { f.Id, f.Name }).ToListAsync(ct);
        var customByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var f in custom)
        {
            customByKey.TryAdd(ImportFields.HeaderKey(f.Name), f.Id);
        }

        var result = new ImportField[headers.Count];
        for (var i = 0; i < headers.Count; i++)
        {
            // A remembered custom field that was deleted since is proposed afresh.
            result[i] = remembered.TryGetValue(ImportFields.HeaderKey(headers[i]), out var f)
                        && (!ImportFields.TryGetCustomId(f, out var id) || custom.Exists(c => c.Id == id))
                ? f
                : ImportFields.Propose(headers[i], customByKey);
        }

        return ImportFields.OneFieldPerColumn(result);
    }

    public async Task RememberMappingAsync(UserAccess user, IReadOnlyList<string> headers, IReadOnlyList<ImportField> mapping, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersImport);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var memory = await db.Set<ImportMappingMemory>().SingleOrDefaultAsync(m => m.UserId == user.UserId, ct);
        var map = Parse(memory?.Json);
        for (var i = 0; i < headers.Count && i < mapping.Count; i++)
        {
            var key = ImportFields.HeaderKey(headers[i]);
            if (key.Length > 0 && key.Length <= 100)
            {
                map[key] = mapping[i];
            }
        }

        while (map.Count > 300)
        {
            map.Remove(map.Keys.First());
        }

        var json = JsonSerializer.Serialize(map.ToDictionary(kv => kv.Key, kv => ImportFields.Key(kv.Value)));
        if (memory is null)
        {
            db.Add(new ImportMappingMemory(user.UserId, json, clock.GetUtcNow().UtcDateTime));
        }
        else
        {
            memory.Set(json, clock.GetUtcNow().UtcDateTime);
        }

        await db.SaveChangesAsync(ct);
    }

    private static Dictionary<string, ImportField> Parse(string? json)
    {
        var result = new Dictionary<string, ImportField>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return result;
        }

        foreach (var (k, v) in JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [])
        {
            if (ImportFields.TryParseKey(v, out var f))
            {
                result[k] = f;
            }
        }

        return result;
    }

    /// <summary>The check step: parses every row, finds the existing customers they match and decides, writing nothing.</summary>
    public async Task<ImportCheck> CheckAsync(UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping, ImportOptions options,
        CancellationToken ct = default)
    {
        Require(user, Rights.CustomersImport);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CheckAsync(db, user, sheet, mapping, options, ct);
    }

    /// <summary>
    /// The check, inside the import's transaction when <paramref name="db"/> has one. Rows parsed by an earlier check of
    /// the same sheet and mapping (<paramref name="earlier"/>) are taken as they are if the reference data they were
    /// parsed against is unchanged; the matching against existing customers and the decisions are always made again.
    /// </summary>
    private async Task<ImportCheck> CheckAsync(CrmDbContext db, UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping,
        ImportOptions options, CancellationToken ct, ImportCheck? earlier = null)
    {
        if (!mapping.Contains(ImportField.Name) && !mapping.Contains(ImportField.Code))
        {
            throw new DomainException("import.name-unmapped", "Map a column to the customer name.");
        }

        var lookups = await LookupsAsync(db, ct);
        foreach (var field in mapping)
        {
            if (ImportFields.TryGetCustomId(field, out var id) && lookups.CustomField(id) is null)
            {
                throw new DomainException("import.custom-field-unknown", $"The custom field {id} a column goes to does not exist or was deleted; match the columns again.");
            }
        }

        var fingerprint = lookups.Fingerprint;
        IReadOnlyList<ParsedRow> rows;
        if (earlier is not null && earlier.Parsed(sheet, mapping, fingerprint))
        {
            rows = earlier.Rows;
        }
        else
        {
            var parsed = new ParsedRow[sheet.Rows.Count];
            for (var i = 0; i < parsed.Length; i++)
            {
                parsed[i] = ImportRowParser.Parse(ImportSheet.RowNumber(i), sheet.Rows[i], mapping, lookups);
            }

            rows = parsed;
        }

        ct.ThrowIfCancellationRequested();
        var existing = await ExistingAsync(db, user, rows, ct);
        var decisions = ImportPlanner.Plan(rows, existing, options);
        int create = 0, update = 0, skip = 0, fail = 0, contacts = 0;
        var failed = new List<FailedRow>();
        var skipped = new List<(int, string, int?)>();
        for (var i = 0; i < rows.Count; i++)
        {
            switch (decisions[i].Action)
            {
                case ImportAction.Create: create++; contacts += rows[i].Contact is null ? 0 : 1; break;
                case ImportAction.Update: update++; contacts += rows[i].Contact is null ? 0 : 1; break;
                case ImportAction.AddContact: contacts++; break;
                case ImportAction.Skip:
                    skip++;
                    skipped.Add((rows[i].RowNumber, decisions[i].SkipReason ?? string.Empty, decisions[i].DuplicateOfRow));
                    break;
                case ImportAction.Fail:
                    fail++;
                    failed.Add(new FailedRow(i, rows[i].RowNumber, rows[i].Errors.ToList()));
                    break;
            }
        }

        return new ImportCheck(create, update, skip, fail, contacts, failed, skipped)
        {
            Rows = rows, Decisions = decisions, ParsedFrom = (sheet, mapping.ToArray(), fingerprint),
        };
    }

    private static async Task<ExistingCustomers> ExistingAsync(CrmDbContext db, UserAccess user, IReadOnlyList<ParsedRow> rows, CancellationToken ct)
    {
        var codes = rows.Where(r => r.Code is not null).Select(r => r.Code!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var phones = rows.Where(r => r.Phone is not null).Select(r => r.Phone!).Distinct().ToList();
        var emails = rows.Where(r => r.Email is not null).Select(r => r.Email!).Distinct().ToList();
        // One query per key kind, the values as ONE collection parameter (EF.Parameter: json_each on SQLite, an array on
        // PostgreSQL, OPENJSON on SQL Server) instead of 500 parameters a query: 100,000 phones are one query, not 200.
        var found = new Dictionary<int, (string? Code, string? Phone, string? Email, bool IsDeleted)>();
        var anyCase = codes.Concat(codes.Select(c => c.ToUpperInvariant())).Concat(codes.Select(c => c.ToLowerInvariant())).Distinct().ToList();
        var queries = new[]
        {
            db.Customers.Where(c => EF.Parameter(anyCase).Contains(c.Code!)),
            db.Customers.Where(c => !c.IsDeleted && EF.Parameter(phones).Contains(c.Phone!)),
            db.Customers.Where(c => !c.IsDeleted && EF.Parameter(emails).Contains(c.Email!)),
        };
        foreach (var (query, keys) in queries.Zip([anyCase.Count, phones.Count, emails.Count]))
        {
            if (keys == 0)
            {
                continue;
            }

            foreach (var c in await query.AsNoTracking().Select(c => new { c.Id, c.Code, c.Phone, c.Email, c.IsDeleted }).ToListAsync(ct))
            {
                found[c.Id] = (c.Code, c.Phone, c.Email, c.IsDeleted);
            }
        }

        var visible = new HashSet<int>();
        if (found.Count > 0)
        {
            var ids = found.Keys.ToList();
            visible.UnionWith(await CustomerScope.Apply(db.Customers, db, user).Where(c => EF.Parameter(ids).Contains(c.Id)).Select(c => c.Id).ToListAsync(ct));
        }

        var canEdit = user.Has(Rights.CustomersEdit);

        var result = new ExistingCustomers();
        foreach (var (id, c) in found.OrderBy(kv => kv.Key))
        {
            var e = new ExistingCustomer(id, canEdit && !c.IsDeleted && visible.Contains(id), c.IsDeleted, visible.Contains(id));
            if (c.Code is not null)
            {
                result.ByCode.TryAdd(c.Code, e);
            }

            if (!c.IsDeleted && c.Phone is not null)
            {
                result.ByPhone.TryAdd(c.Phone, e);
            }

            if (!c.IsDeleted && c.Email is not null)
            {
                result.ByEmail.TryAdd(c.Email, e);
            }
        }

        return result;
    }

    /// <summary>PostgreSQL advisory lock key that imports hold for their transaction.</summary>
    private const long ImportLockKey = 0x43524D5F494D50; // "CRM_IMP"

    /// <summary>
    /// Imports in ONE transaction: every valid row or none (a crash or a cancel leaves the database as it was). Rows
    /// are written in batches of <see cref="ChunkSize"/>; the change log gets entries with origin "import"; after the
    /// commit one <see cref="CustomersChanged"/> event per batch goes out.
    /// </summary>
    /// <param name="checkedBefore">The check the user confirmed, if any: its parsed rows are reused (see CheckAsync) and
    /// released when the import ends, so a large sheet is parsed once and its rows are not held twice.</param>
    public async Task<ImportResult> ImportAsync(UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping, ImportOptions options,
        IProgress<ImportProgress>? progress = null, CancellationToken ct = default, ImportCheck? checkedBefore = null)
    {
        Require(user, Rights.CustomersImport);
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

        var check = await CheckAsync(db, user, sheet, mapping, options, ct, checkedBefore);
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

        var lookups = await LookupsAsync(db, ct);
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
        var codes = await Customers.GeneratedCodes.LoadAsync(db, rows.Select(r => r.Code), ct); // issue 21: generated codes skip taken ones
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

        for (var start = 0; start < total; start += ChunkSize)
        {
            ct.ThrowIfCancellationRequested();
            var end = Math.Min(total, start + ChunkSize);
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

            foreach (var idChunk in wantedIds.Chunk(QueryChunk))
            {
                IQueryable<Customer> query = db.Customers.Include(c => c.Contacts).Include(c => c.Groups);
                if (customIds.Length > 0)
                {
                    query = query.Include(c => c.CustomValues);
                }

                query = query.Where(c => idChunk.Contains(c.Id));
                foreach (var c in await (direct is null ? query : query.AsNoTracking()).ToListAsync(ct))
                {
                    loaded[c.Id] = c;
                    direct?.Remember(c);
                }
            }

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
                            c.AddContact(row.Contact.ToContact());
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
                        if (c.Id != 0 && !items.ContainsKey(c.Id) && !itemVersions.ContainsKey(c.Id))
                        {
                            items[c.Id] = new ImportBatchItem(batch.Id, c.Id, false, 0, Snapshot(c, customIds));
                        }

                        foreach (var change in ApplyUpdate(c, row, lookups, user.UserId, now))
                        {
                            logs.Add((c, change));
                        }

                        if (row.Contact is not null && AddContactIfNew(c, row.Contact))
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
                        if (c.Id != 0 && !items.ContainsKey(c.Id) && !itemVersions.ContainsKey(c.Id))
                        {
                            items[c.Id] = new ImportBatchItem(batch.Id, c.Id, false, 0, Snapshot(c, customIds));
                        }

                        if (AddContactIfNew(c, row.Contact!))
                        {
                            contactsAdded++;
                        }

                        break;
                    }
                }
            }

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

            await BulkInsertAsync(db, "ChangeLog", ["CustomerId", "Field", "OldValue", "NewValue"],
                logs.Select(l => new object?[] { l.Customer.Id, l.Change.Field, Cap(l.Change.OldValue), Cap(l.Change.NewValue) }),
                [("UserId", user.UserId), ("At", now), ("Origin", Origin)], ct);

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

            await BulkInsertAsync(db, "ImportBatchItems", ["CustomerId", "Created", "VersionAfter", "PreviousJson"],
                items.Values.Select(i => new object?[] { i.CustomerId, i.Created, i.VersionAfter, i.PreviousJson }), [("BatchId", batch.Id)], ct);
            foreach (var item in items.Values)
            {
                itemVersions[item.CustomerId] = item.VersionAfter;
            }

            items.Clear();

            if (touched.Count > 0)
            {
                changedChunks.Add(touched.Select(c => c.Id).ToArray());
            }

            db.ChangeTracker.Clear();
            Array.Clear(rows, start, end - start);
            Array.Clear(decisions, start, end - start);
            progress?.Report(new ImportProgress(end, total));
        }

        // One statement per final version (a customer a file updates n times is at its version + n), not per customer.
        foreach (var group in laterVersions.GroupBy(v => v.Value, v => v.Key))
        {
            foreach (var ids in group.Chunk(QueryChunk))
            {
                await db.Set<ImportBatchItem>().Where(i => i.BatchId == batch.Id && ids.Contains(i.CustomerId))
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

    private static string? Cap(string? value) => value is { Length: > 2000 } ? value[..2000] : value;

    /// <summary>
    /// Inserts rows that need no id back (change log, batch items) inside the current transaction: on SQLite and
    /// PostgreSQL in one statement (a JSON array, column arrays), on SQL Server as multi-row INSERTs of 200 rows. The
    /// columns of <paramref name="same"/> take the same value in every row (sent once on SQLite and PostgreSQL).
    /// </summary>
    private static async Task BulkInsertAsync(CrmDbContext db, string table, string[] columns, IEnumerable<object?[]> rows,
        IReadOnlyList<(string Column, object? Value)> same, CancellationToken ct)
    {
        const int rowsPerStatement = 200; // 200 rows × up to 7 parameters stays under SQL Server's 2,100
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var head = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Concat(same.Select(s => s.Column)).Select(c => $"\"{c}\""))}) VALUES ";
        if (db.Database.IsSqlite())
        {
            // One statement for all the rows (see SqliteJsonRows).
            await SqliteJsonRows.InsertAsync(db, table, columns, rows, same, ct);
            return;
        }

        if (db.Database.IsNpgsql())
        {
            // One statement and round trip for all the rows, a text[] per column (see PostgresArrayRows).
            await PostgresArrayRows.InsertAsync(db, table, columns, rows, same, ct);
            return;
        }

        foreach (var chunk in rows.Chunk(rowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new System.Text.StringBuilder(head);
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Length; c++)
                {
                    var name = $"@p{r}_{c}";
                    sql.Append(c == 0 ? name : ", " + name);
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = chunk[r][c] ?? DBNull.Value;
                    command.Parameters.Add(parameter);
                }

                for (var s = 0; s < same.Count; s++)
                {
                    sql.Append($", @s{s}");
                }

                sql.Append(')');
            }

            for (var s = 0; s < same.Count; s++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@s{s}";
                parameter.Value = same[s].Value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
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
    private static List<FieldChange> ApplyUpdate(Customer c, ParsedRow row, ImportLookups lookups, string userId, DateTime now)
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
        if (row.RelationshipId is { } rel)
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

    private static bool AddContactIfNew(Customer c, ImportContact contact)
    {
        var key = SearchKey.Fold(contact.Name);
        if (c.Contacts.Any(x => SearchKey.Fold(x.Name) == key && x.Phone == contact.Phone && x.Email == contact.Email))
        {
            return false;
        }

        c.AddContact(contact.ToContact());
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

    /// <summary>The failed rows as an .xlsx: the original columns plus "Lỗi / Error", to fix and upload again as it is (R3.2).</summary>
    public static byte[] FailedRowsFile(ImportSheet sheet, ImportCheck check, Func<ImportRowError, string> describe)
    {
        const string errorHeader = "Lỗi / Error";
        var headers = sheet.Headers.ToList();
        var keys = headers.Select((h, i) => headers.Take(i).Contains(h) || h == errorHeader ? $"{h} ({ImportFileReader.ColumnLetter(i)})" : h).ToList();
        var data = new List<Dictionary<string, object?>>();
        foreach (var f in check.FailedRows)
        {
            var row = new Dictionary<string, object?>();
            var cells = sheet.Rows[f.Index];
            for (var i = 0; i < keys.Count; i++)
            {
                row[keys[i]] = i < cells.Length ? cells[i] : null;
            }

            row[errorHeader] = string.Join("; ", f.Errors.Select(describe));
            data.Add(row);
        }

        if (data.Count == 0)
        {
            data.Add(keys.Append(errorHeader).ToDictionary(k => k, _ => (object?)null));
        }

        using var ms = new MemoryStream();
        ms.SaveAs(data, excelType: ExcelType.XLSX);
        return ms.ToArray();
    }

    /// <summary>A template (R3.1): Vietnamese headers, a sample row, and a second sheet listing valid values.</summary>
    public static byte[] Template(bool full, ImportReference reference)
    {
        var fields = ImportFields.All.Where(f => full || f.InShortTemplate).ToList();
        var sample = new Dictionary<string, object?>();
        foreach (var f in fields)
        {
            sample[f.Vietnamese] = f.Field switch
            {
                ImportField.Code => "KH-MAU-01",
                ImportField.Name => "Nguyễn Thị Ánh",
                ImportField.Phone => "0912 345 678",
                ImportField.Email => "anh.nguyen@example.com",
                ImportField.Address => "12 Lý Thường Kiệt, Hoàn Kiếm",
                ImportField.Birthday => "05/03/1990",
                ImportField.Gender => "Nữ",
                ImportField.TaxCode => "0101234567",
                ImportField.Country => "Việt Nam",
                ImportField.Province => "Hà Nội",
                ImportField.District => "Hoàn Kiếm",
                ImportField.Website => "https://example.com",
                ImportField.Industry => "Bán lẻ",
                ImportField.Source => reference.Sources.FirstOrDefault(),
                ImportField.Groups => string.Join(", ", reference.Groups.Take(2)),
                ImportField.Relationship => reference.Relationships.FirstOrDefault(),
                ImportField.Owner => reference.Owners.FirstOrDefault().Login,
                ImportField.ContactSalutation => "Chị",
                ImportField.ContactName => "Nguyễn Thị Ánh",
                ImportField.ContactPhone => "0912 345 678",
                ImportField.ContactEmail => "anh.nguyen@example.com",
                ImportField.ContactBirthday => "05/03/1990",
                ImportField.ContactGender => "Nữ",
                ImportField.ContactNote => "Liên hệ chính",
                _ => null,
            };
        }

        // The full template has a column per custom field too (R1.3), headed by its name, which the mapping recognises.
        var custom = full ? reference.CustomFields.Where(f => !sample.ContainsKey(f.Name)).ToList() : [];
        foreach (var f in custom)
        {
            sample[f.Name] = f.Kind switch
            {
                CustomFieldKind.Number => "1000",
                CustomFieldKind.Date => "05/03/2026",
                CustomFieldKind.Choice => f.ChoiceList.FirstOrDefault(),
                _ => null,
            };
        }

        var choices = custom.Where(f => f.Kind == CustomFieldKind.Choice && f.ChoiceList.Count > 0).ToList();

        var lists = new List<Dictionary<string, object?>>();
        var n = new[] { reference.Relationships.Count, reference.Sources.Count, reference.Groups.Count, reference.Owners.Count }
            .Concat(choices.Select(f => f.ChoiceList.Count)).Max();
        for (var i = 0; i < n; i++)
        {
            var list = new Dictionary<string, object?>
            {
                ["Mối quan hệ"] = i < reference.Relationships.Count ? reference.Relationships[i] : null,
                ["Nguồn khách hàng"] = i < reference.Sources.Count ? reference.Sources[i] : null,
                ["Nhóm khách hàng"] = i < reference.Groups.Count ? reference.Groups[i] : null,
                ["Người phụ trách (tên đăng nhập)"] = i < reference.Owners.Count ? reference.Owners[i].Login : null,
                ["Họ tên người phụ trách"] = i < reference.Owners.Count ? reference.Owners[i].FullName : null,
            };
            foreach (var f in choices)
            {
                list.TryAdd(f.Name, i < f.ChoiceList.Count ? f.ChoiceList[i] : null);
            }

            lists.Add(list);
        }

        using var ms = new MemoryStream();
        var sheets = new Dictionary<string, object>
        {
            ["Khách hàng"] = new[] { sample },
            ["Danh sách hợp lệ"] = lists.Count > 0 ? lists : [new Dictionary<string, object?> { ["Mối quan hệ"] = null }],
        };
        ms.SaveAs(sheets, excelType: ExcelType.XLSX);
        return ms.ToArray();
    }

    /// <summary>Imports of this user (every import with "view all"), newest first.</summary>
    public async Task<IReadOnlyList<ImportBatchView>> HistoryAsync(UserAccess user, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersImport);
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

    /// <summary>How many of the customers an undo left alone it names (the count is always whole).</summary>
    public const int KeptListed = 200;

    /// <summary>
    /// Undoes an import within 30 days: removes the customers it created that nobody changed since (same version) and
    /// restores the previous values of those it updated; customers changed after the import are left alone and reported.
    /// Progress counts the import's customers handled so far (a 100,000-row import's undo takes tens of seconds).
    /// </summary>
    public async Task<UndoResult> UndoAsync(UserAccess user, int batchId, IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersImport);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var batch = await db.Set<ImportBatch>().SingleOrDefaultAsync(b => b.Id == batchId, ct)
            ?? throw new KeyNotFoundException($"Import {batchId} does not exist.");
        if (batch.UserId != user.UserId && !user.Has(Rights.UserAdmin))
        {
            throw new AccessDeniedException("Only the user who imported (or a user administrator) can undo an import.");
        }

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
        foreach (var chunk in items.Chunk(QueryChunk))
        {
            // Created customers: only their version matters. Updated ones: whole, with contacts and groups, to restore.
            var created = chunk.Where(i => i.Created).Select(i => i.CustomerId).ToList();
            var updatedIds = chunk.Where(i => !i.Created).Select(i => i.CustomerId).ToList();
            var versions = created.Count == 0
                ? []
                : await db.Customers.Where(c => created.Contains(c.Id)).Select(c => new { c.Id, c.Version }).ToDictionaryAsync(c => c.Id, c => c.Version, ct);
            var previous = new Dictionary<int, PreviousValues>();
            // A purged customer's snapshot is scrubbed (#26): nothing to restore, and the customer is gone anyway.
            foreach (var item in chunk.Where(i => !i.Created && i.PreviousJson != null))
            {
                previous[item.CustomerId] = JsonSerializer.Deserialize<PreviousValues>(item.PreviousJson!)!;
            }

            IQueryable<Customer> query = db.Customers.Include(c => c.Contacts).Include(c => c.Groups);
            if (previous.Values.Any(p => p.Custom is { Count: > 0 }))
            {
                query = query.Include(c => c.CustomValues);
            }

            query = query.Where(c => updatedIds.Contains(c.Id));
            var customers = updatedIds.Count == 0
                ? []
                : await (direct is null ? query : query.AsNoTracking()).ToDictionaryAsync(c => c.Id, ct);
            // Created customers another customer names as its referrer stay, so that customer keeps its referrer (the
            // purge's delete would clear it): one query for the chunk, not one per customer.
            var referred = created.Count == 0
                ? []
                : (await db.Customers.Where(x => x.ReferrerCustomerId != null && created.Contains(x.ReferrerCustomerId.Value))
                    .Select(x => x.ReferrerCustomerId!.Value).Distinct().ToListAsync(ct)).ToHashSet();
            var remove = new List<int>();
            var restoredInChunk = new List<Customer>();
            var removedContacts = new List<int>();
            var removedLinks = new List<(int CustomerId, int GroupId)>();
            var logs = new List<(int CustomerId, FieldChange Change)>();
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

            if (direct is not null)
            {
                // Columns (version-checked), re-added group links and primary flags; then what the import had added.
                await direct.FlushAsync([], restoredInChunk, ct);
                if (removedContacts.Count > 0)
                {
                    await db.Contacts.Where(x => removedContacts.Contains(x.Id)).ExecuteDeleteAsync(ct);
                }

                foreach (var group in removedLinks.GroupBy(l => l.GroupId))
                {
                    var customerIds = group.Select(l => l.CustomerId).ToList();
                    await db.CustomerGroupMembers.Where(m => m.GroupId == group.Key && customerIds.Contains(m.CustomerId)).ExecuteDeleteAsync(ct);
                }
            }
            else
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }

            // The restored values' change log as the import writes its own: one statement, not an entity per change.
            await BulkInsertAsync(db, "ChangeLog", ["CustomerId", "Field", "OldValue", "NewValue"],
                logs.Select(l => new object?[] { l.CustomerId, l.Change.Field, Cap(l.Change.OldValue), Cap(l.Change.NewValue) }),
                [("UserId", user.UserId), ("At", now), ("Origin", Origin)], ct);
            purgedFiles.Add(await CustomerPurge.DeleteRowsAsync(db, remove, ct));
            done += chunk.Length;
            progress?.Report(new ImportProgress(done, items.Count));
        }

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
        foreach (var ids in touched.Chunk(ChunkSize))
        {
            live.Publish(new CustomersChanged(ids, ChangeKinds.Updated, user.UserId));
        }

        return new UndoResult(removed, restored, leftAlone) { Kept = kept };
    }
}


