using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Import;

/// <summary>
/// The column mapping step (R3.2): proposals from the headers' words and the custom fields' names, and what each user
/// chose last time per header. The page and the API go through here alike, so they propose and remember the same.
/// </summary>
public sealed class ImportMappings(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>The custom fields a column may go to (id → name), for the API's mapping.</summary>
    public async Task<IReadOnlyDictionary<int, string>> CustomFieldNamesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await ImportChecker.LiveCustomFields(db).ToDictionaryAsync(f => f.Id, f => f.Name, ct);
    }


    /// <summary>The mapping proposed for these headers: what this user chose last time for the same header, else by its words.</summary>
    public async Task<ImportField[]> ProposeMappingAsync(UserAccess user, IReadOnlyList<string> headers, CancellationToken ct = default)
    {
        ImportService.Require(user, Rights.CustomersImport);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var memory = await db.Set<ImportMappingMemory>().AsNoTracking().SingleOrDefaultAsync(m => m.UserId == user.UserId, ct);
        var remembered = Parse(memory?.Json);
        var custom = await ImportChecker.LiveCustomFields(db).Select(f => new { f.Id, f.Name }).ToListAsync(ct);
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
        ImportService.Require(user, Rights.CustomersImport);
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

}
