using System.Globalization;
using System.Text.Json.Serialization;
using CrmBlazor.Data;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.CustomerDetail;

public sealed record ContactView(int Id, string? Salutation, string Name, string? Phone, string? Email, DateOnly? Birthday, Gender Gender, string? Note, bool IsPrimary);

public sealed record PersonRef(string Id, string FullName, string UserName);

public sealed record CustomerRef(int Id, string? Code, string Name);

/// <summary>
/// A custom field (R1.3) and this customer's value of it (null when none): the stored canonical text — numbers with a
/// dot and no grouping, dates dd/MM/yyyy — which the page formats for the reader's culture.
/// </summary>
public sealed record CustomFieldValueView(int Id, string Name, [property: JsonIgnore] CustomFieldKind Kind, string? Value)
{
    /// <summary>text, number, date or choice.</summary>
    [JsonPropertyName("kind")]
    public string KindName => Kind.ToString().ToLowerInvariant();

    /// <summary>The value as the reader's culture writes it: "1.234,5" in Vietnamese, "1,234.5" in English; dates dd/MM/yyyy.</summary>
    public string? Display(IFormatProvider culture) =>
        Kind == CustomFieldKind.Number && decimal.TryParse(Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var n)
            ? n.ToString("#,0.##########", culture)
            : Value;
}

public sealed record CustomerDetailView(
    int Id, string? Code, string Name, string? Phone, string? Email, string? Address, DateOnly? Birthday, Gender Gender,
    string? TaxCode, string? Country, string? Province, string? District, string? Website, string? Industry,
    int RelationshipId, string RelationshipName, string RelationshipColor, string? OwnerId, string? OwnerName,
    string? SourceName, IReadOnlyList<string> Groups, CustomerRef? ReferrerCustomer, PersonRef? ReferrerUser,
    DateTime CreatedAt, string? CreatedByName, DateTime UpdatedAt, string? UpdatedByName, DateTime? LastContactAt,
    int InteractionCount, decimal TotalPaid, int Version,
    IReadOnlyList<ContactView> Contacts, IReadOnlyList<PersonRef> RelatedUsers, IReadOnlyList<CustomerRef> Referrals,
    bool CanEdit, bool CanDelete, IReadOnlyList<CustomFieldValueView> CustomFields, string? AvatarUrl);

/// <summary>
/// Reads the customer detail (R4.1): one customer the user may see, with contacts, related users, referrals and custom
/// fields (R1.3).
/// Changes go through <see cref="Customers.CustomerService"/> like every other place that edits a customer.
/// </summary>
public sealed class CustomerDetailService(IDbContextFactory<CrmDbContext> dbFactory)
{
    public async Task<CustomerDetailView?> GetAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await CustomerScope.Apply(db.Customers.Where(x => x.Id == id && !x.IsDeleted), db, user)
            .Include(x => x.Contacts).Include(x => x.Groups).Include(x => x.RelatedUsers).Include(x => x.CustomValues)
            .AsNoTracking().AsSplitQuery().SingleOrDefaultAsync(ct);
        if (c is null)
        {
            return null;
        }

        var rel = await db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => new { r.Name, r.Color }).SingleAsync(ct);
        var peopleIds = new[] { c.OwnerId, c.CreatedById, c.UpdatedById, c.ReferrerUserId }.OfType<string>().Concat(c.RelatedUsers.Select(r => r.UserId)).Distinct().ToList();
        var people = await db.StaffProfiles.Where(p => peopleIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => new PersonRef(p.Id, p.FullName, p.UserName), ct);
        var groupIds = c.Groups.Select(g => g.GroupId).ToList();
        var groups = await db.CustomerGroups.Where(g => groupIds.Contains(g.Id)).OrderBy(g => g.Position).ThenBy(g => g.Id).Select(g => g.Name).ToListAsync(ct);
        var source = c.SourceId is null ? null : await db.Sources.Where(s => s.Id == c.SourceId).Select(s => s.Name).SingleOrDefaultAsync(ct);
        var referrer = c.ReferrerCustomerId is null ? null
            : await CustomerScope.Visible(db, user).Where(x => x.Id == c.ReferrerCustomerId).Select(x => new CustomerRef(x.Id, x.Code, x.Name)).SingleOrDefaultAsync(ct);
        var referrals = await CustomerScope.Visible(db, user).Where(x => x.ReferrerCustomerId == c.Id)
            .OrderBy(x => x.NameKey).Take(200).Select(x => new CustomerRef(x.Id, x.Code, x.Name)).ToListAsync(ct);

        var fields = await db.CustomFields.AsNoTracking().Where(f => !f.IsDeleted).OrderBy(f => f.Position).ThenBy(f => f.Id).ToListAsync(ct);
        var values = c.CustomValues.ToDictionary(v => v.FieldId, v => v.Value);

        PersonRef? P(string? pid) => pid is not null && people.TryGetValue(pid, out var p) ? p : null;
        return new CustomerDetailView(c.Id, c.Code, c.Name, c.Phone, c.Email, c.Address, c.Birthday, c.Gender, c.TaxCode, c.Country, c.Province,
            c.District, c.Website, c.Industry, c.RelationshipId, rel.Name, rel.Color, c.OwnerId, P(c.OwnerId)?.FullName, source, groups,
            referrer, P(c.ReferrerUserId), c.CreatedAt, P(c.CreatedById)?.FullName, c.UpdatedAt, P(c.UpdatedById)?.FullName, c.LastContactAt,
            c.InteractionCount, c.TotalPaid, c.Version,
            c.Contacts.OrderByDescending(x => x.IsPrimary).ThenBy(x => x.Id)
                .Select(x => new ContactView(x.Id, x.Salutation, x.Name, x.Phone, x.Email, x.Birthday, x.Gender, x.Note, x.IsPrimary)).ToList(),
            c.RelatedUsers.Select(r => P(r.UserId)).OfType<PersonRef>().OrderBy(p => p.FullName).ToList(),
            referrals, user.Has(Rights.CustomersEdit), user.Has(Rights.CustomersDelete),
            fields.Select(f => new CustomFieldValueView(f.Id, f.Name, f.Kind, values.GetValueOrDefault(f.Id))).ToList(), c.AvatarUrl);
    }
}
