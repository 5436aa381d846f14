using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Import;

/// <summary>
/// The check step (R3.2, R3.3, R3.5): the reference data rows are parsed against, every row parsed and matched with the
/// customers that exist (in the user's scope, R7.3), and what each row would do decided, writing nothing. The import runs
/// the same check again inside its transaction.
/// </summary>
public sealed class ImportChecker(IDbContextFactory<CrmDbContext> dbFactory)
{
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

    /// <param name="mappings">The user's choices for values of the file that name no existing entry.</param>
    public static async Task<ImportLookups> LookupsAsync(CrmDbContext db, CancellationToken ct, IReadOnlyList<ImportValueMapping>? mappings = null)
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

        foreach (var m in mappings ?? [])
        {
            lookups.Map(m);
        }

        return lookups;
    }

    internal static IQueryable<CustomFieldDefinition> LiveCustomFields(CrmDbContext db) =>
        db.CustomFields.AsNoTracking().Where(f => !f.IsDeleted).OrderBy(f => f.Position).ThenBy(f => f.Id);


    /// <summary>The check step: parses every row, finds the existing customers they match and decides, writing nothing.</summary>
    public async Task<ImportCheck> CheckAsync(UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping, ImportOptions options,
        CancellationToken ct = default)
    {
        ImportService.Require(user, Rights.CustomersImport);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CheckAsync(db, user, sheet, mapping, options, ct);
    }

    /// <summary>
    /// The check, inside the import's transaction when <paramref name="db"/> has one. Rows parsed by an earlier check of
    /// the same sheet and mapping (<paramref name="earlier"/>) are taken as they are if the reference data they were
    /// parsed against is unchanged; the matching against existing customers and the decisions are always made again.
    /// </summary>
    internal static async Task<ImportCheck> CheckAsync(CrmDbContext db, UserAccess user, ImportSheet sheet, IReadOnlyList<ImportField> mapping,
        ImportOptions options, CancellationToken ct, ImportCheck? earlier = null)
    {
        if (!mapping.Contains(ImportField.Name) && !mapping.Contains(ImportField.Code))
        {
            throw new DomainException("import.name-unmapped", "Map a column to the customer name.");
        }

        var lookups = await LookupsAsync(db, ct, options.ValueMappings);
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

        var converted = 0;
        foreach (var row in rows)
        {
            converted += row.PhonesConverted;
        }

        return new ImportCheck(create, update, skip, fail, contacts, failed, skipped)
        {
            UnknownValues = ImportUnknownValue.Of(rows), PhonesConverted = converted,
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
        var found = new Dictionary<int, (string? Code, string? Phone, string? Email, bool IsDeleted, string Name)>();
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

            foreach (var c in await query.AsNoTracking().Select(c => new { c.Id, c.Code, c.Phone, c.Email, c.IsDeleted, c.Name }).ToListAsync(ct))
            {
                found[c.Id] = (c.Code, c.Phone, c.Email, c.IsDeleted, c.Name);
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
            var e = new ExistingCustomer(id, canEdit && !c.IsDeleted && visible.Contains(id), c.IsDeleted, visible.Contains(id), c.Name, c.Code);
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

}
