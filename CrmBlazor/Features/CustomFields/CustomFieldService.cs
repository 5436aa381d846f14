using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Features.Audit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.CustomFields;

public sealed record CustomFieldItem(int Id, string Name, CustomFieldKind Kind, IReadOnlyList<string> Choices, int Position, int ValueCount);

/// <summary>Admins define extra customer fields (R1.3): text, number, date, choice. Needs the "CRM settings" right.</summary>
public sealed class CustomFieldService(IDbContextFactory<CrmDbContext> dbFactory)
{
    public async Task<IReadOnlyList<CustomFieldItem>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var fields = await db.CustomFields.AsNoTracking().Where(f => !f.IsDeleted).OrderBy(f => f.Position).ThenBy(f => f.Id).ToListAsync(ct);
        var ids = fields.Select(f => f.Id).ToList();
        var counts = await db.CustomFieldValues.Where(v => ids.Contains(v.FieldId)).GroupBy(v => v.FieldId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return fields.Select(f => new CustomFieldItem(f.Id, f.Name, f.Kind, f.ChoiceList, f.Position, counts.GetValueOrDefault(f.Id))).ToList();
    }

    public async Task<int> AddAsync(UserAccess user, string name, CustomFieldKind kind, IEnumerable<string>? choices, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var position = await db.CustomFields.CountAsync(ct);
        var field = new CustomFieldDefinition(RequireName(name), kind, choices, position);
        await EnsureUniqueAsync(db, field.Name, null, ct);
        db.CustomFields.Add(field);
        await db.SaveCreatedAsync(user, AuditActions.SettingsChanged, AuditTargets.CustomField, () => field.Id, field.Name, AuditValues(field), ct);
        return field.Id;
    }

    public async Task UpdateAsync(UserAccess user, int id, string name, IEnumerable<string>? choices, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var field = await db.CustomFields.SingleAsync(f => f.Id == id && !f.IsDeleted, ct);
        var before = AuditValues(field);
        field.Rename(RequireName(name), choices);
        await EnsureUniqueAsync(db, field.Name, id, ct);
        db.AddAuditOfChange(user, AuditActions.SettingsChanged, AuditTargets.CustomField, id, field.Name, before, AuditValues(field));
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var field = await db.CustomFields.SingleAsync(f => f.Id == id, ct);
        if (field.IsDeleted)
        {
            return;
        }

        field.Delete();
        db.AddAudit(user, AuditActions.SettingsChanged, AuditTargets.CustomField, id, field.Name, AuditValues(field), AuditRecorder.Values(("deleted", true)));
        await db.SaveChangesAsync(ct);
    }

    private static Dictionary<string, object?> AuditValues(CustomFieldDefinition f) =>
        AuditRecorder.Values(("name", f.Name), ("kind", f.Kind.ToString()), ("choices", f.ChoiceList));

    /// <summary>Two fields of one name would make the API's "by name" and the export's columns ambiguous.</summary>
    private static async Task EnsureUniqueAsync(CrmDbContext db, string name, int? exceptId, CancellationToken ct)
    {
        var key = Domain.Importing.ImportFields.HeaderKey(name);
        var others = await db.CustomFields.Where(f => !f.IsDeleted && f.Id != (exceptId ?? 0)).Select(f => f.Name).ToListAsync(ct);
        if (others.Any(n => Domain.Importing.ImportFields.HeaderKey(n) == key))
        {
            throw new Domain.Common.DomainException(CustomFieldCodes.NameTaken, $"A custom field named '{name}' exists already.");
        }
    }

    private static string RequireName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? throw new Domain.Common.DomainException(CustomFieldCodes.NameRequired, "A field needs a name.") : name;

    private static void RequireSettings(UserAccess user)
    {
        if (!user.Has(Rights.CrmSettings))
        {
            throw new AccessDeniedException("Only users with the CRM settings right can change custom fields.");
        }
    }
}
