using System.Globalization;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

/// <summary>The cells that can be edited in the grid (R5.3); a custom field is "cf:{id}".</summary>
public static class GridFields
{
    public const string Name = "name";
    public const string Phone = "phone";
    public const string Email = "email";
    public const string Address = "address";
    public const string Birthday = "birthday";
    public const string Gender = "gender";
    public const string Relationship = "relationship";
    public const string Source = "source";
    public const string Owner = "owner";

    public static string Custom(int fieldId) => Customer.CustomFieldKey(fieldId);

    public static int? CustomId(string field) =>
        field.StartsWith("cf:", StringComparison.Ordinal) && int.TryParse(field.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
}

public enum SaveStatus
{
    Saved,
    /// <summary>Someone else changed the customer since the user saw it; nothing was saved.</summary>
    Conflict,
    /// <summary>A rule was broken (<see cref="FieldSaveResult.ErrorCode"/>); nothing was saved.</summary>
    Invalid,
    /// <summary>The customer is gone or no longer visible.</summary>
    NotFound,
    /// <summary>The user lacks the right (R7.4); nothing was saved.</summary>
    Denied,
}

/// <summary>
/// The outcome of every customer write: saved; a conflict, with the other person's value (display text) in
/// <see cref="TheirValue"/>, their name in <see cref="ChangedBy"/> and the version to carry when applying one's own in
/// <see cref="CurrentVersion"/>; or refused with a reason (<see cref="ErrorCode"/>, <see cref="ErrorMessage"/>).
/// </summary>
public sealed record FieldSaveResult(SaveStatus Status, CustomerRow? Row = null, string? ErrorCode = null, string? ErrorMessage = null,
    string? TheirValue = null, string? ChangedBy = null, int CurrentVersion = 0, int? CustomerId = null)
{
    public static FieldSaveResult Denied(string reason) => new(SaveStatus.Denied, ErrorCode: DeniedCode, ErrorMessage: reason);

    public const string DeniedCode = "customer.denied";
}

public sealed partial class CustomerService
{
    public const string OriginGrid = "grid";
    public const string OriginForm = "form";
    public const string OriginBulk = "bulk";
    public const string OriginDetail = "detail";
    public const string OriginBoard = "board";
    public const string OriginSystem = "system";
    public const string OriginApi = "api";

    /// <summary>
    /// Saves one cell (R5.3) carrying the version the user saw: if the customer changed meanwhile the save is refused with
    /// the other person's value and name; a broken rule saves nothing.
    /// </summary>
    public async Task<FieldSaveResult> SaveFieldAsync(UserAccess user, int customerId, string field, string? value, int seenVersion, CancellationToken ct = default) =>
        await SaveFieldAsync(user, customerId, field, value, seenVersion, OriginGrid, ct);

    /// <summary>The same save from another place (the detail page, the board), logged with its <paramref name="origin"/>.</summary>
    public Task<FieldSaveResult> SaveFieldAsync(UserAccess user, int customerId, string field, string? value, int seenVersion, string origin, CancellationToken ct = default) =>
        WriteAsync(user, customerId, seenVersion, origin, field,
            q => GridFields.CustomId(field) is null ? q : q.Include(c => c.CustomValues),
            (db, customer, now) => ApplyFieldAsync(db, customer, field, value, user.UserId, now, ct), ct);

    /// <summary>
    /// The one write path for an existing customer, used by the grid cell, the form, the detail page, the board and the API:
    /// load through the user's scope, check the right, check the version the user saw, let the domain apply the change,
    /// log it, save both in one transaction (one SaveChanges; the UPDATE also carries "WHERE Version = seen"), publish after
    /// the commit, and answer with one result type.
    /// </summary>
    private async Task<FieldSaveResult> WriteAsync(UserAccess user, int customerId, int seenVersion, string origin, string conflictField,
        Func<IQueryable<Customer>, IQueryable<Customer>> load, Func<CrmDbContext, Customer, DateTime, Task<IReadOnlyList<FieldChange>>> change,
        CancellationToken ct)
    {
        if (!user.Has(Rights.CustomersAccess) || !user.Has(Rights.CustomersEdit))
        {
            return FieldSaveResult.Denied("You may not edit customers.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customer = await load(CustomerScope.Apply(db.Customers.Where(c => c.Id == customerId && !c.IsDeleted), db, user)).SingleOrDefaultAsync(ct);
        if (customer is null)
        {
            return new FieldSaveResult(SaveStatus.NotFound);
        }

        if (customer.Version != seenVersion)
        {
            return await ConflictAsync(db, customer, conflictField, ct);
        }

        db.Entry(customer).Property(c => c.Version).OriginalValue = seenVersion;
        var now = UtcNow;
        IReadOnlyList<FieldChange> changes;
        try
        {
            changes = await change(db, customer, now);
        }
        catch (DomainException ex)
        {
            return new FieldSaveResult(SaveStatus.Invalid, ErrorCode: ex.Code, ErrorMessage: ex.Message);
        }
        catch (ArgumentException ex)
        {
            return new FieldSaveResult(SaveStatus.Invalid, ErrorCode: CustomerRuleCodes.ReferrerInvalid, ErrorMessage: ex.Message);
        }

        if (changes.Count > 0)
        {
            Log(db, customer.Id, user.UserId, now, changes, origin);
            // One customer's stage moved by a person (detail, cell, board, form, API): the rules run on it (R2.6a, d). Bulk
            // changes and imports write no outbox row (R2.6b).
            if (origin != OriginBulk && changes.Any(c => c.Field == nameof(Customer.RelationshipId)))
            {
                Automation.AutomationOutbox.Add(db, Domain.Automation.AutomationTrigger.RelationshipChanged, customer.Id, null, user.UserId, now);
            }

            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex is not DbUpdateConcurrencyException && UniqueViolation.IsOn(ex, nameof(Customer.Code)))
            {
                // Another writer gave the same code to another customer between the check and this save.
                return new FieldSaveResult(SaveStatus.Invalid, ErrorCode: CustomerRuleCodes.CodeTaken,
                    ErrorMessage: $"The code '{customer.Code}' is already used by another customer.");
            }
            catch (DbUpdateConcurrencyException)
            {
                await using var fresh = await dbFactory.CreateDbContextAsync(ct);
                var current = await fresh.Customers.AsNoTracking().Include(c => c.CustomValues).SingleOrDefaultAsync(c => c.Id == customerId, ct);
                return current is null || current.IsDeleted
                    ? new FieldSaveResult(SaveStatus.NotFound)
                    : await ConflictAsync(fresh, current, conflictField, ct);
            }

            Publish(new CustomerChanged(customer.Id, ChangeKinds.Updated, user.UserId, ChangesOf(changes), customer.Version));
        }

        return new FieldSaveResult(SaveStatus.Saved, await RowAsync(user, customerId, ct), CurrentVersion: customer.Version, CustomerId: customer.Id);
    }

    /// <summary>Which list topics a change reaches (a name change only the screens that show the customer).</summary>
    internal static CustomerChange ChangesOf(IEnumerable<FieldChange> changes)
    {
        var result = CustomerChange.None;
        foreach (var change in changes)
        {
            result |= change.Field switch
            {
                nameof(Customer.RelationshipId) => CustomerChange.Stage,
                // Who may see it: the owner, and the related users (R7.3).
                nameof(Customer.OwnerId) or Customer.RelatedUserField => CustomerChange.Owner,
                nameof(Customer.IsDeleted) or "Created" => CustomerChange.Lifecycle,
                nameof(Customer.SourceId) or "Groups" or nameof(Customer.ReferrerCustomerId) or nameof(Customer.ReferrerUserId) => CustomerChange.Links,
                _ when GridFields.CustomId(change.Field) is not null => CustomerChange.Links,
                _ => CustomerChange.Details,
            };
        }

        return result;
    }

    private async Task<FieldSaveResult> ConflictAsync(CrmDbContext db, Customer current, string field, CancellationToken ct)
    {
        var by = current.UpdatedById is null
            ? null
            : await db.StaffProfiles.Where(p => p.Id == current.UpdatedById).Select(p => p.FullName).FirstOrDefaultAsync(ct);
        return new FieldSaveResult(SaveStatus.Conflict, TheirValue: await DisplayValueAsync(db, current, field, ct), ChangedBy: by ?? current.UpdatedById,
            CurrentVersion: current.Version, CustomerId: current.Id);
    }

    /// <summary>The value of a field as the grid shows it.</summary>
    private static async Task<string?> DisplayValueAsync(CrmDbContext db, Customer c, string field, CancellationToken ct)
    {
        switch (field)
        {
            case GridFields.Name: return c.Name;
            case GridFields.Phone: return PhoneNormalizer.ToDisplay(c.Phone);
            case GridFields.Email: return c.Email;
            case GridFields.Address: return c.Address;
            case GridFields.Birthday: return VnDate.ToText(c.Birthday);
            case GridFields.Gender: return c.Gender == Gender.Unknown ? null : GenderWords.ToVietnamese(c.Gender);
            case GridFields.Relationship: return await db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => r.Name).FirstOrDefaultAsync(ct);
            case GridFields.Source: return await db.Sources.Where(s => s.Id == c.SourceId).Select(s => s.Name).FirstOrDefaultAsync(ct);
            case GridFields.Owner: return await db.StaffProfiles.Where(p => p.Id == c.OwnerId).Select(p => p.FullName).FirstOrDefaultAsync(ct);
            case RelatedUsersField:
                var names = await db.CustomerRelatedUsers.Where(r => r.CustomerId == c.Id)
                    .Join(db.StaffProfiles, r => r.UserId, p => p.Id, (_, p) => p.FullName).OrderBy(n => n).ToListAsync(ct);
                return names.Count == 0 ? null : string.Join(", ", names);
            default:
                var id = GridFields.CustomId(field);
                return id is null ? null : c.CustomValues.FirstOrDefault(v => v.FieldId == id)?.Value;
        }
    }

    private static async Task<IReadOnlyList<FieldChange>> ApplyFieldAsync(CrmDbContext db, Customer c, string field, string? value, string userId, DateTime now, CancellationToken ct)
    {
        var text = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        var details = DetailsOf(c);
        switch (field)
        {
            case GridFields.Name: return c.Update(details with { Name = text ?? string.Empty }, userId, now);
            case GridFields.Phone: return c.Update(details with { Phone = text }, userId, now);
            case GridFields.Email: return c.Update(details with { Email = text }, userId, now);
            case GridFields.Address: return c.Update(details with { Address = text }, userId, now);
            case GridFields.Birthday:
                DateOnly? birthday = null;
                if (text is not null)
                {
                    birthday = VnDate.TryParse(text, out var d) ? d : throw new DomainException(CustomerRuleCodes.BirthdayInvalid, $"'{text}' is not a date (dd/MM/yyyy).");
                }

                return c.Update(details with { Birthday = birthday }, userId, now);
            case GridFields.Gender:
                var gender = Gender.Unknown;
                if (text is not null && !Enum.TryParse(text, ignoreCase: true, out gender) && !GenderWords.TryParse(text, out gender))
                {
                    throw new DomainException(CustomerRuleCodes.GenderInvalid, $"'{text}' is not a gender.");
                }

                return c.Update(details with { Gender = gender }, userId, now);
            case GridFields.Relationship:
                var relationshipId = await RequireRelationshipAsync(db, text, ct);
                return c.MoveTo(relationshipId, userId, now);
            case GridFields.Source:
                int? sourceId = null;
                if (text is not null)
                {
                    sourceId = int.TryParse(text, CultureInfo.InvariantCulture, out var s) && await db.Sources.AnyAsync(x => x.Id == s && !x.IsDeleted, ct)
                        ? s
                        : throw new DomainException(CustomerRuleCodes.SourceUnknown, $"Source '{text}' does not exist.");
                }

                return c.Update(details with { SourceId = sourceId }, userId, now);
            case GridFields.Owner:
                if (text is not null && !await db.StaffProfiles.AnyAsync(p => p.Id == text && p.IsActive, ct))
                {
                    throw new DomainException(CustomerRuleCodes.OwnerUnknown, $"User '{text}' is not an active staff member.");
                }

                return c.AssignOwner(text, userId, now);
            default:
                var fieldId = GridFields.CustomId(field) ?? throw new DomainException(CustomerRuleCodes.FieldUnknown, $"'{field}' cannot be edited.");
                var definition = await db.CustomFields.SingleOrDefaultAsync(f => f.Id == fieldId && !f.IsDeleted, ct)
                    ?? throw new DomainException(CustomerRuleCodes.FieldUnknown, $"Custom field {fieldId} does not exist.");
                return c.SetCustomValue(definition, text, userId, now);
        }
    }

    private static async Task<int> RequireRelationshipAsync(CrmDbContext db, string? text, CancellationToken ct) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var id) && await db.Relationships.AnyAsync(r => r.Id == id && !r.IsDeleted, ct)
            ? id
            : throw new DomainException(CustomerRuleCodes.RelationshipUnknown, $"Relationship '{text}' does not exist.");

    internal static CustomerDetails DetailsOf(Customer c) => new()
    {
        Name = c.Name,
        Phone = c.Phone,
        Email = c.Email,
        Address = c.Address,
        Birthday = c.Birthday,
        Gender = c.Gender,
        TaxCode = c.TaxCode,
        Country = c.Country,
        Province = c.Province,
        District = c.District,
        Website = c.Website,
        Industry = c.Industry,
        SourceId = c.SourceId,
        AvatarUrl = c.AvatarUrl,
    };
}

/// <summary>Rule codes of the customer screens (besides the domain's <see cref="RuleCodes"/>).</summary>
public static class CustomerRuleCodes
{
    public const string BirthdayInvalid = "customer.birthday-invalid";
    public const string GenderInvalid = "customer.gender-invalid";
    public const string RelationshipUnknown = "customer.relationship-unknown";
    public const string SourceUnknown = "customer.source-unknown";
    public const string OwnerUnknown = "customer.owner-unknown";
    public const string FieldUnknown = "customer.field-unknown";
    public const string CodeTaken = "customer.code-taken";
    public const string ReferrerInvalid = "customer.referrer-invalid";
    public const string RelatedUserUnknown = "customer.related-user-unknown";
}
