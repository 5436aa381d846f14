using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

/// <summary>The create/edit dialog's model: every R1 field, contacts, groups, referrer and custom fields.</summary>
public sealed class CustomerForm
{
    public int? Id { get; set; }
    public int Version { get; set; }
    public string? Code { get; set; }
    public string Name { get; set; } = string.Empty;
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public string? Address { get; set; }
    public DateTime? Birthday { get; set; }
    public Gender Gender { get; set; }
    public string? TaxCode { get; set; }
    public string? Country { get; set; } = "Việt Nam";
    public string? Province { get; set; }
    public string? District { get; set; }
    public string? Website { get; set; }
    public string? Industry { get; set; }
    public string? AvatarUrl { get; set; }
    public int? SourceId { get; set; }
    public int RelationshipId { get; set; }
    public string? OwnerId { get; set; }
    public ReferrerChoice? Referrer { get; set; }
    public List<int> GroupIds { get; set; } = [];
    public List<ContactForm> Contacts { get; set; } = [];
    public Dictionary<int, string?> Custom { get; set; } = [];
}

public sealed class ContactForm
{
    public int Id { get; set; }
    public string? Salutation { get; set; }
    public string Name { get; set; } = string.Empty;
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public DateTime? Birthday { get; set; }
    public Gender Gender { get; set; }
    public string? Note { get; set; }
    public bool IsPrimary { get; set; }
}

/// <summary>A referrer: another customer (visible to the user) or a staff user (R1.1).</summary>
public sealed record ReferrerChoice(int? CustomerId, string? UserId, string Label)
{
    public override string ToString() => Label;
}

public sealed record DuplicateCustomer(int Id, string? Code, string Name, string? Phone, string? Email);

/// <summary>Existing customers with the same normalised phone or email; those the user may not see are only counted.</summary>
public sealed record DuplicateReport(IReadOnlyList<DuplicateCustomer> Visible, int Hidden)
{
    public bool Any => Visible.Count > 0 || Hidden > 0;
}

public sealed partial class CustomerService
{
    public async Task<CustomerForm?> GetFormAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await CustomerScope.Apply(db.Customers.Where(x => x.Id == id && !x.IsDeleted), db, user).AsNoTracking()
            .Include(x => x.Contacts).Include(x => x.Groups).Include(x => x.CustomValues).SingleOrDefaultAsync(ct);
        if (c is null)
        {
            return null;
        }

        ReferrerChoice? referrer = null;
        if (c.ReferrerCustomerId is int rc)
        {
            var name = await CustomerScope.Apply(db.Customers.Where(x => x.Id == rc), db, user).Select(x => x.Name).FirstOrDefaultAsync(ct);
            referrer = new ReferrerChoice(rc, null, name ?? "#" + rc);
        }
        else if (c.ReferrerUserId is string ru)
        {
            var name = await db.StaffProfiles.Where(p => p.Id == ru).Select(p => p.FullName).FirstOrDefaultAsync(ct);
            referrer = new ReferrerChoice(null, ru, name ?? ru);
        }

        return new CustomerForm
        {
            Id = c.Id, Version = c.Version, Code = c.Code, Name = c.Name, Phone = PhoneNormalizer.ToDisplay(c.Phone), Email = c.Email,
            Address = c.Address, Birthday = c.Birthday?.ToDateTime(TimeOnly.MinValue), Gender = c.Gender, TaxCode = c.TaxCode,
            Country = c.Country, Province = c.Province, District = c.District, Website = c.Website, Industry = c.Industry,
            AvatarUrl = c.AvatarUrl, SourceId = c.SourceId, RelationshipId = c.RelationshipId, OwnerId = c.OwnerId, Referrer = referrer,
            GroupIds = c.Groups.Select(g => g.GroupId).ToList(),
            Contacts = c.Contacts.OrderByDescending(x => x.IsPrimary).ThenBy(x => x.Id).Select(x => new ContactForm
            {
                Id = x.Id, Salutation = x.Salutation, Name = x.Name, Phone = PhoneNormalizer.ToDisplay(x.Phone), Email = x.Email,
                Birthday = x.Birthday?.ToDateTime(TimeOnly.MinValue), Gender = x.Gender, Note = x.Note, IsPrimary = x.IsPrimary,
            }).ToList(),
            Custom = c.CustomValues.ToDictionary(v => v.FieldId, v => (string?)v.Value),
        };
    }

    /// <summary>Customers with the same normalised phone or email as the form (R1.4 duplicate warning).</summary>
    public async Task<DuplicateReport> FindDuplicatesAsync(UserAccess user, string? phone, string? email, int? exceptId = null, CancellationToken ct = default)
    {
        RequireAccess(user);
        var p = PhoneNormalizer.Normalize(phone);
        var e = EmailAddress.Normalize(email);
        if (p is null && e is null)
        {
            return new DuplicateReport([], 0);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var except = exceptId ?? 0;
        var same = db.Customers.Where(c => c.Id != except && ((p != null && c.Phone == p) || (e != null && c.Email == e)));
        var visible = await CustomerScope.Apply(same, db, user).OrderBy(c => c.NameKey).Take(10)
            .Select(c => new DuplicateCustomer(c.Id, c.Code, c.Name, c.Phone, c.Email)).ToListAsync(ct);
        var total = await same.CountAsync(ct);
        var visibleTotal = await CustomerScope.Apply(same, db, user).CountAsync(ct);
        return new DuplicateReport(visible, total - visibleTotal);
    }

    /// <summary>Referrer candidates: visible customers (through the scope) and active staff users matching the term.</summary>
    public async Task<IReadOnlyList<ReferrerChoice>> SearchReferrersAsync(UserAccess user, string? term, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customers = await CustomerSearch.Apply(CustomerScope.Visible(db, user), term).OrderBy(c => c.NameKey).Take(8)
            .Select(c => new { c.Id, c.Name, c.Code }).ToListAsync(ct);
        var folded = SearchKey.Fold(term);
        var staff = await db.StaffProfiles.Where(s => s.IsActive).OrderBy(s => s.FullName).Select(s => new { s.Id, s.FullName, s.UserName }).ToListAsync(ct);
        var result = customers.Select(c => new ReferrerChoice(c.Id, null, $"{c.Name} ({c.Code})")).ToList();
        result.AddRange(staff.Where(s => folded.Length == 0 || SearchKey.Fold(s.FullName).Contains(folded, StringComparison.Ordinal) || SearchKey.Fold(s.UserName).Contains(folded, StringComparison.Ordinal))
            .Take(8).Select(s => new ReferrerChoice(null, s.Id, $"{s.FullName} · @{s.UserName}")));
        return result;
    }

    /// <summary>Creates or updates a customer from the dialog or the API (R1, R1.4). An edit carries the version the user
    /// saw and goes through the one write path (<see cref="WriteAsync"/>).</summary>
    public async Task<FieldSaveResult> SaveFormAsync(UserAccess user, CustomerForm form, CancellationToken ct = default)
    {
        if (form.Id is int id)
        {
            return await WriteAsync(user, id, form.Version, OriginForm, GridFields.Name,
                q => q.Include(c => c.Contacts).Include(c => c.Groups).Include(c => c.CustomValues).AsSplitQuery(),
                async (db, customer, now) =>
                {
                    var changes = new List<FieldChange>();
                    await ApplyFormAsync(db, user, customer, form, now, changes, ct);
                    return changes;
                }, ct);
        }

        return await CreateAsync(user, form, ct);
    }

    /// <summary>A new customer: inserted, given its generated code (which needs the id) and logged in one transaction.</summary>
    private async Task<FieldSaveResult> CreateAsync(UserAccess user, CustomerForm form, CancellationToken ct)
    {
        if (!user.Has(Rights.CustomersAccess) || !user.Has(Rights.CustomersAdd))
        {
            return FieldSaveResult.Denied("You may not add customers.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = UtcNow;
        var changes = new List<FieldChange>();
        Customer customer;
        try
        {
            customer = await ApplyFormAsync(db, user, null, form, now, changes, ct);
        }
        catch (DomainException ex)
        {
            return new FieldSaveResult(SaveStatus.Invalid, ErrorCode: ex.Code, ErrorMessage: ex.Message);
        }
        catch (ArgumentException ex)
        {
            return new FieldSaveResult(SaveStatus.Invalid, ErrorCode: CustomerRuleCodes.ReferrerInvalid, ErrorMessage: ex.Message);
        }

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (customer.Code is not null && UniqueViolation.IsOn(ex, "Code"))
            {
                // Another writer took the same code between the check and the insert.
                return new FieldSaveResult(SaveStatus.Invalid, ErrorCode: CustomerRuleCodes.CodeTaken,
                    ErrorMessage: $"The code '{customer.Code}' is already used by another customer.");
            }

            var generated = customer.Code is null;
            customer.AssignGeneratedCode(await FreeGeneratedCodeAsync(db, customer, ct));
            Log(db, customer.Id, user.UserId, now, changes, OriginForm);
            // The rules hear of it after the commit, exactly once (the outbox row commits with the customer).
            Automation.AutomationOutbox.Add(db, Domain.Automation.AutomationTrigger.CustomerCreated, customer.Id, null, user.UserId, now);
            await SaveGeneratedCodeAsync(db, customer, generated, ct);
            await tx.CommitAsync(ct);
        }

        Publish(new CustomerChanged(customer.Id, ChangeKinds.Created, user.UserId, CustomerChange.All, customer.Version));
        return new FieldSaveResult(SaveStatus.Saved, await RowAsync(user, customer.Id, ct), CurrentVersion: customer.Version, CustomerId: customer.Id);
    }

    /// <summary>The first of the customer's generated codes no other customer holds (null when it keeps a code of its own);
    /// <paramref name="after"/>: a candidate the store just refused; only later candidates are tried.</summary>
    private static async Task<string?> FreeGeneratedCodeAsync(CrmDbContext db, Customer customer, CancellationToken ct, string? after = null)
    {
        if (customer.Code is not null && after is null)
        {
            return null;
        }

        var candidates = CustomerCode.Candidates(customer.Id);
        if (after is not null)
        {
            candidates = candidates.SkipWhile(c => c != after).Skip(1);
        }

        foreach (var code in candidates)
        {
            if (!await db.Customers.IgnoreQueryFilters().AsNoTracking().AnyAsync(c => c.Code == code && c.Id != customer.Id, ct))
            {
                return code;
            }
        }

        return null;
    }

    /// <summary>
    /// Saves a new customer's generated code. The code was free when looked up, but a concurrent writer (a create with a
    /// code of the same form given by hand, an import) may have taken it before this insert: the unique index refuses it,
    /// EF Core rolls back to the savepoint it took before the save, and the customer gets the next free candidate.
    /// </summary>
    private static async Task SaveGeneratedCodeAsync(CrmDbContext db, Customer customer, bool generated, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException ex) when (generated && attempt < MaxCodeAttempts && UniqueViolation.IsOn(ex, "Code"))
            {
                var refused = customer.Code;
                customer.RetryGeneratedCode(await FreeGeneratedCodeAsync(db, customer, ct, after: refused) ?? throw new InvalidOperationException("No free code."));
            }
        }
    }

    private const int MaxCodeAttempts = 20;

    /// <summary>Applies the form to <paramref name="customer"/> (or creates it when null), collecting the changes to log.</summary>
    private static async Task<Customer> ApplyFormAsync(CrmDbContext db, UserAccess user, Customer? customer, CustomerForm form, DateTime now,
        List<FieldChange> changes, CancellationToken ct)
    {
        var isNew = customer is null;
        var details = new CustomerDetails
        {
            Name = form.Name, Phone = form.Phone, Email = form.Email, Address = form.Address,
            Birthday = form.Birthday is DateTime b ? DateOnly.FromDateTime(b) : null, Gender = form.Gender, TaxCode = form.TaxCode,
            Country = form.Country, Province = form.Province, District = form.District, Website = form.Website, Industry = form.Industry,
            SourceId = form.SourceId, AvatarUrl = form.AvatarUrl,
        };
        if (form.SourceId is int sid && !await db.Sources.AnyAsync(s => s.Id == sid && !s.IsDeleted, ct))
        {
            throw new DomainException(CustomerRuleCodes.SourceUnknown, "The source does not exist.");
        }

        var relationshipId = form.RelationshipId > 0
            ? await RequireRelationshipAsync(db, form.RelationshipId.ToString(System.Globalization.CultureInfo.InvariantCulture), ct)
            : await DefaultRelationshipAsync(db, ct);
        var owner = string.IsNullOrWhiteSpace(form.OwnerId) ? null : form.OwnerId;
        if (owner is not null && !await db.StaffProfiles.AnyAsync(p => p.Id == owner && p.IsActive, ct))
        {
            throw new DomainException(CustomerRuleCodes.OwnerUnknown, "The owner is not an active staff member.");
        }

        var code = CustomerCode.Clean(form.Code);
        if (code is not null && await db.Customers.AnyAsync(c => c.Code == code && c.Id != (form.Id ?? 0), ct))
        {
            throw new DomainException(CustomerRuleCodes.CodeTaken, $"The code '{code}' is already used by another customer.");
        }

        if (customer is null)
        {
            customer = Customer.Create(details, relationshipId, owner, user.UserId, now, code);
            db.Customers.Add(customer);
            changes.Add(new FieldChange("Created", null, customer.Name));
        }
        else
        {
            if (code is not null && code != customer.Code)
            {
                changes.Add(new FieldChange("Code", customer.Code, code));
                customer.SetCode(code);
            }

            changes.AddRange(customer.Update(details, user.UserId, now));
            changes.AddRange(customer.MoveTo(relationshipId, user.UserId, now));
            changes.AddRange(customer.AssignOwner(owner, user.UserId, now));
        }

        await ApplyReferrerAsync(db, user, customer, form.Referrer, changes, now, ct);
        var contactChanges = ApplyContacts(customer, form.Contacts);
        var groups = form.GroupIds.Distinct().ToList();
        var knownGroups = await db.CustomerGroups.Where(g => groups.Contains(g.Id) && !g.IsDeleted).Select(g => g.Id).ToListAsync(ct);
        var groupChanges = new List<FieldChange>();
        if (!customer.Groups.Select(g => g.GroupId).ToHashSet().SetEquals(knownGroups))
        {
            groupChanges.Add(new FieldChange("Groups", string.Join(',', customer.Groups.Select(g => g.GroupId)), string.Join(',', knownGroups)));
            customer.SetGroups(knownGroups);
        }

        var definitions = await db.CustomFields.Where(f => !f.IsDeleted).ToListAsync(ct);
        foreach (var definition in definitions)
        {
            form.Custom.TryGetValue(definition.Id, out var raw);
            changes.AddRange(customer.SetCustomValue(definition, raw, user.UserId, isNew ? null : now));
        }

        if (!isNew)
        {
            // Contacts and groups belong to the customer: their change is a change of it (version, change log).
            customer.RecordChanges([.. contactChanges, .. groupChanges], user.UserId, now);
            changes.AddRange(contactChanges);
        }

        changes.AddRange(groupChanges);
        return customer;
    }

    private static async Task<int> DefaultRelationshipAsync(CrmDbContext db, CancellationToken ct) =>
        await db.Relationships.Where(r => !r.IsDeleted).OrderByDescending(r => r.IsDefault).ThenBy(r => r.Position).Select(r => r.Id).FirstAsync(ct);

    private static async Task ApplyReferrerAsync(CrmDbContext db, UserAccess user, Customer customer, ReferrerChoice? referrer, List<FieldChange> changes,
        DateTime now, CancellationToken ct)
    {
        int? customerId = referrer?.CustomerId;
        var userId = customerId is null ? referrer?.UserId : null;
        if (customerId is int rc && rc != customer.ReferrerCustomerId
            && !await CustomerScope.Apply(db.Customers.Where(c => c.Id == rc && !c.IsDeleted), db, user).AnyAsync(ct))
        {
            throw new DomainException(CustomerRuleCodes.ReferrerInvalid, "The referring customer is not visible to you.");
        }

        if (userId is not null && !await db.StaffProfiles.AnyAsync(p => p.Id == userId, ct))
        {
            throw new DomainException(CustomerRuleCodes.ReferrerInvalid, "The referring user does not exist.");
        }

        changes.AddRange(customer.SetReferrer(customerId, userId, user.UserId, now));
    }

    /// <summary>Adds, edits and removes contacts as the form says (R1.2); each change a log entry ("Contact", before, after).</summary>
    private static List<FieldChange> ApplyContacts(Customer customer, List<ContactForm> forms)
    {
        var changes = new List<FieldChange>();
        foreach (var removed in customer.Contacts.Where(c => forms.All(f => f.Id != c.Id)).ToList())
        {
            changes.Add(new FieldChange(ContactField, ContactText(removed), null));
            customer.RemoveContact(removed);
        }

        Contact? primary = null;
        foreach (var f in forms)
        {
            var birthday = f.Birthday is DateTime b ? DateOnly.FromDateTime(b) : (DateOnly?)null;
            var contact = f.Id == 0 ? null : customer.Contacts.FirstOrDefault(c => c.Id == f.Id);
            if (contact is null)
            {
                contact = customer.AddContact(new Contact(f.Name, f.Salutation, f.Phone, f.Email, birthday, f.Gender, f.Note));
                changes.Add(new FieldChange(ContactField, null, ContactText(contact)));
            }
            else
            {
                var before = ContactText(contact);
                contact.Edit(f.Name, f.Salutation, f.Phone, f.Email, birthday, f.Gender, f.Note);
                if (ContactText(contact) != before)
                {
                    changes.Add(new FieldChange(ContactField, before, ContactText(contact)));
                }
            }

            if (f.IsPrimary)
            {
                primary = contact;
            }
        }

        if (primary is not null && !primary.IsPrimary)
        {
            customer.MakePrimary(primary);
            changes.Add(new FieldChange(PrimaryContactField, null, ContactText(primary)));
        }
        else if (primary is not null)
        {
            customer.MakePrimary(primary);
        }

        return changes;
    }

    /// <summary>The change-log field of a contact added, edited or removed.</summary>
    public const string ContactField = "Contact";
    public const string PrimaryContactField = "PrimaryContact";

    private static string ContactText(Contact c) => string.Join(" · ", new[]
    {
        string.Join(' ', new[] { c.Salutation, c.Name }.Where(x => !string.IsNullOrWhiteSpace(x))),
        PhoneNormalizer.ToDisplay(c.Phone), c.Email, c.Birthday is DateOnly d ? VnDate.ToText(d) : null,
        c.Gender == Gender.Unknown ? null : GenderWords.ToVietnamese(c.Gender), c.Note,
    }.Where(x => !string.IsNullOrWhiteSpace(x)));
}
