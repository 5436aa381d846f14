using System.Globalization;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.CustomFields;

namespace CrmBlazor.Domain.Customers;

/// <summary>
/// A customer (khách hàng, R1). Guards its rules: a name (R1.4), a phone or an email (R1.4), phones and emails in
/// canonical form, a version that every change increments (optimistic concurrency), soft delete (R6.1).
/// Every change returns the fields it changed, which become the change log (R4.5).
/// </summary>
public sealed class Customer
{
    private readonly List<Contact> _contacts = [];
    private readonly List<CustomerGroupMember> _groups = [];
    private readonly List<CustomerRelatedUser> _relatedUsers = [];
    private readonly List<CustomFieldValue> _customValues = [];

    private Customer()
    {
        Name = string.Empty;
        NameKey = string.Empty;
        SearchText = string.Empty;
    }

    public int Id { get; private set; }

    /// <summary>Unique; null only between insert and <see cref="AssignGeneratedCode"/>.</summary>
    public string? Code { get; private set; }
    public string Name { get; private set; }
    /// <summary>E.164, e.g. +84912345678.</summary>
    public string? Phone { get; private set; }
    /// <summary>Lower-case.</summary>
    public string? Email { get; private set; }
    public string? Address { get; private set; }
    public DateOnly? Birthday { get; private set; }
    public Gender Gender { get; private set; }
    public string? TaxCode { get; private set; }
    public string? Country { get; private set; }
    public string? Province { get; private set; }
    public string? District { get; private set; }
    public string? Website { get; private set; }
    public string? Industry { get; private set; }
    public string? AvatarUrl { get; private set; }
    public int? SourceId { get; private set; }
    public int RelationshipId { get; private set; }

    /// <summary>The stage the customer entered when created (R8 pipeline movement: a new customer of a period entered it
    /// then). Set once; later moves change <see cref="RelationshipId"/> only.</summary>
    public int EntryRelationshipId { get; private set; }

    /// <summary>The date of the customer's first paying order (R8.1 conversion), null while there is none. Derived from the
    /// orders and kept by the store with their ranks (PayingOrders), never set by the domain.</summary>
    public DateOnly? FirstPaidOn { get; private set; }
    public string? OwnerId { get; private set; }
    public int? ReferrerCustomerId { get; private set; }
    public string? ReferrerUserId { get; private set; }

    /// <summary>Folded name (no case, no diacritics) for sorting and prefix search.</summary>
    public string NameKey { get; private set; }
    /// <summary>Folded name, code, email and phone digits for quick search.</summary>
    public string SearchText { get; private set; }

    /// <summary>Incremented by every change; a save carries the version the user saw.</summary>
    public int Version { get; private set; }

    public bool IsDeleted { get; private set; }
    public DateTime? DeletedAt { get; private set; }
    public string? DeletedById { get; private set; }

    /// <summary>Set while the customer is folded into another one (R6.4): hidden like the trash, but not in it, until
    /// the merge can no longer be undone; then purged with its merge record.</summary>
    public int? MergedIntoId { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public string? CreatedById { get; private set; }
    public DateTime UpdatedAt { get; private set; }
    public string? UpdatedById { get; private set; }

    /// <summary>Latest contact event (R4.2); null when there has been none.</summary>
    public DateTime? LastContactAt { get; private set; }
    /// <summary>R4.3.</summary>
    public int InteractionCount { get; private set; }
    /// <summary>Total paid (R4.4), in VND.</summary>
    public decimal TotalPaid { get; private set; }

    public IReadOnlyList<Contact> Contacts => _contacts;
    public IReadOnlyList<CustomerGroupMember> Groups => _groups;
    public IReadOnlyList<CustomerRelatedUser> RelatedUsers => _relatedUsers;
    public IReadOnlyList<CustomFieldValue> CustomValues => _customValues;

    public static Customer Create(CustomerDetails details, int relationshipId, string? ownerId, string? createdById, DateTime utcNow, string? code = null)
    {
        var customer = new Customer
        {
            RelationshipId = relationshipId,
            EntryRelationshipId = relationshipId,
            OwnerId = ownerId,
            CreatedAt = utcNow,
            CreatedById = createdById,
            UpdatedAt = utcNow,
            UpdatedById = createdById,
            Version = 1,
        };
        customer.Code = CustomerCode.Clean(code);
        customer.Apply(details);
        return customer;
    }

    /// <summary>Gives a customer created without a code its generated code (R1.1), once the id is known.</summary>
    public void AssignGeneratedCode(string? code = null)
    {
        if (Code is null && Id > 0)
        {
            Code = code ?? CustomerCode.FromId(Id);
            RefreshKeys();
        }
    }

    /// <summary>
    /// Gives a new customer another generated code when the one it was given turned out to be taken by a customer saved
    /// meanwhile (the store's unique index refused it): the next of <see cref="CustomerCode.Candidates"/>.
    /// </summary>
    public void RetryGeneratedCode(string code)
    {
        Code = code;
        RefreshKeys();
    }

    /// <summary>
    /// Sets the code a person gives explicitly, in any form: a code from the old system ("KH000123") is kept as it is
    /// (issue 21). Codes already in use are the store's concern (unique index); generation skips taken codes.
    /// </summary>
    public void SetCode(string code)
    {
        Code = CustomerCode.Clean(code) ?? Code;
        RefreshKeys();
    }

    public IReadOnlyList<FieldChange> Update(CustomerDetails details, string? userId, DateTime utcNow)
    {
        var before = Snapshot();
        Apply(details);
        var changes = Diff(before, Snapshot());
        Touch(changes, userId, utcNow);
        return changes;
    }

    /// <summary>Changes the pipeline stage (R2.6).</summary>
    public IReadOnlyList<FieldChange> MoveTo(int relationshipId, string? userId, DateTime utcNow)
    {
        if (relationshipId == RelationshipId)
        {
            return [];
        }

        var change = new FieldChange(nameof(RelationshipId), Str(RelationshipId), Str(relationshipId));
        RelationshipId = relationshipId;
        FieldChange[] changes = [change];
        Touch(changes, userId, utcNow);
        return changes;
    }

    public IReadOnlyList<FieldChange> AssignOwner(string? ownerId, string? userId, DateTime utcNow)
    {
        var owner = string.IsNullOrWhiteSpace(ownerId) ? null : ownerId;
        if (owner == OwnerId)
        {
            return [];
        }

        var change = new FieldChange(nameof(OwnerId), OwnerId, owner);
        OwnerId = owner;
        FieldChange[] changes = [change];
        Touch(changes, userId, utcNow);
        return changes;
    }

    /// <summary>The referrer is another customer or a staff user, never both (R1.1).</summary>
    public IReadOnlyList<FieldChange> SetReferrer(int? customerId, string? staffUserId, string? userId, DateTime utcNow)
    {
        if (customerId is not null && staffUserId is not null)
        {
            throw new ArgumentException("A referrer is a customer or a staff user, not both.");
        }

        if (customerId is not null && customerId == Id && Id != 0)
        {
            throw new ArgumentException("A customer cannot refer itself.");
        }

        var changes = new List<FieldChange>();
        if (customerId != ReferrerCustomerId)
        {
            changes.Add(new FieldChange(nameof(ReferrerCustomerId), Str(ReferrerCustomerId), Str(customerId)));
        }

        if (staffUserId != ReferrerUserId)
        {
            changes.Add(new FieldChange(nameof(ReferrerUserId), ReferrerUserId, staffUserId));
        }

        ReferrerCustomerId = customerId;
        ReferrerUserId = staffUserId;
        Touch(changes, userId, utcNow);
        return changes;
    }

    /// <summary>Moves the customer to the trash (R6.1).</summary>
    public void MoveToTrash(string? userId, DateTime utcNow)
    {
        if (IsDeleted)
        {
            return;
        }

        IsDeleted = true;
        DeletedAt = utcNow;
        DeletedById = userId;
        Touch([new FieldChange(nameof(IsDeleted), "false", "true")], userId, utcNow);
    }

    public void RestoreFromTrash(string? userId, DateTime utcNow)
    {
        if (!IsDeleted || MergedIntoId is not null)
        {
            return;
        }

        IsDeleted = false;
        DeletedAt = null;
        DeletedById = null;
        Touch([new FieldChange(nameof(IsDeleted), "true", "false")], userId, utcNow);
    }

    /// <summary>
    /// Folds this customer into <paramref name="survivorId"/> (R6.4): hidden from every list (as "deleted", so the partial
    /// indexes over live customers leave it out) but not in the trash, until it is unmerged or its merge expires.
    /// </summary>
    public IReadOnlyList<FieldChange> FoldInto(int survivorId, string? userId, DateTime utcNow)
    {
        if (IsDeleted)
        {
            throw new DomainException(RuleCodes.MergeGone, "This customer is in the trash or already merged.");
        }

        if (survivorId == Id)
        {
            throw new DomainException(RuleCodes.MergeSelf, "A customer cannot be merged into itself.");
        }

        IsDeleted = true;
        DeletedAt = utcNow;
        DeletedById = userId;
        MergedIntoId = survivorId;
        FieldChange[] changes = [new FieldChange(nameof(MergedIntoId), null, Str(survivorId))];
        Touch(changes, userId, utcNow);
        return changes;
    }

    /// <summary>Brings a merged customer back (an unmerge within the merge's time).</summary>
    public IReadOnlyList<FieldChange> Unfold(string? userId, DateTime utcNow)
    {
        if (MergedIntoId is null)
        {
            return [];
        }

        FieldChange[] changes = [new FieldChange(nameof(MergedIntoId), Str(MergedIntoId), null)];
        IsDeleted = false;
        DeletedAt = null;
        DeletedById = null;
        MergedIntoId = null;
        Touch(changes, userId, utcNow);
        return changes;
    }

    /// <summary>
    /// Takes over the activity counters of a customer merged into this one (R4.2, R4.3): the later last contact and the sum
    /// of the interactions. <see cref="GiveBackActivity"/> undoes it.
    /// </summary>
    public void AbsorbActivity(DateTime? lastContactAt, int interactions)
    {
        if (lastContactAt is not null && (LastContactAt is null || lastContactAt > LastContactAt))
        {
            LastContactAt = lastContactAt;
        }

        InteractionCount += interactions;
    }

    /// <summary>Gives back what <see cref="AbsorbActivity"/> took: the interactions, and the last contact this customer had before.</summary>
    public void GiveBackActivity(DateTime? lastContactBefore, DateTime? lastContactAfterMerge, int interactions)
    {
        InteractionCount = Math.Max(0, InteractionCount - interactions);
        // A contact since the merge is this customer's own; otherwise its last contact is the one it had before.
        if (LastContactAt == lastContactAfterMerge)
        {
            LastContactAt = lastContactBefore;
        }
    }

    /// <summary>
    /// Records changes made to parts of the customer that are entities of their own (contacts, group links): like a change
    /// of a field they bump the version, so a screen that saw the old contacts cannot overwrite the new ones.
    /// </summary>
    public void RecordChanges(IReadOnlyCollection<FieldChange> changes, string? userId, DateTime utcNow) => Touch(changes, userId, utcNow);

    /// <summary>A contact event happened (R4.2); staff comments count too.</summary>
    public void RecordContact(DateTime utcNow)
    {
        if (LastContactAt is null || utcNow > LastContactAt)
        {
            LastContactAt = utcNow;
        }
    }

    /// <summary>An interaction happened (R4.3).</summary>
    public void RecordInteraction(DateTime utcNow, bool isContact)
    {
        InteractionCount++;
        if (isContact)
        {
            RecordContact(utcNow);
        }
    }

    /// <summary>Days since the last contact (R4.2) or null when never contacted.</summary>
    public int? DaysSinceLastContact(DateTime utcNow) =>
        LastContactAt is null ? null : Math.Max(0, (int)(utcNow - LastContactAt.Value).TotalDays);

    public Contact AddContact(Contact contact)
    {
        contact.MoveToCustomer(Id);
        _contacts.Add(contact);
        if (_contacts.Count(c => c.IsPrimary) != 1)
        {
            MakePrimary(_contacts.FirstOrDefault(c => c.IsPrimary) ?? contact);
        }

        return contact;
    }

    /// <summary>
    /// A further contact (an import's continuation row, R3.4): it never becomes the primary one by being added, so a
    /// customer whose own row carried no contact may have no primary contact until someone chooses one.
    /// </summary>
    public Contact AddFurtherContact(Contact contact)
    {
        contact.MoveToCustomer(Id);
        _contacts.Add(contact);
        return contact;
    }

    public void RemoveContact(Contact contact)
    {
        _contacts.Remove(contact);
        if (contact.IsPrimary && _contacts.Count > 0)
        {
            MakePrimary(_contacts[0]);
        }
    }

    /// <summary>Exactly one contact is primary (R1.2).</summary>
    public void MakePrimary(Contact contact)
    {
        if (!_contacts.Contains(contact))
        {
            throw new ArgumentException("The contact does not belong to this customer.", nameof(contact));
        }

        foreach (var c in _contacts)
        {
            c.IsPrimary = ReferenceEquals(c, contact);
        }
    }

    public void SetGroups(IEnumerable<int> groupIds)
    {
        var wanted = groupIds.Distinct().ToHashSet();
        _groups.RemoveAll(g => !wanted.Contains(g.GroupId));
        foreach (var id in wanted.Where(id => _groups.All(g => g.GroupId != id)))
        {
            _groups.Add(new CustomerGroupMember(Id, id));
        }
    }

    /// <summary>Moves the customer to another source (a merge of sources in the settings); logged like any field.</summary>
    public IReadOnlyList<FieldChange> ChangeSource(int? sourceId, string? userId, DateTime utcNow)
    {
        if (sourceId == SourceId)
        {
            return [];
        }

        FieldChange[] changes = [new FieldChange(nameof(SourceId), Str(SourceId), Str(sourceId))];
        SourceId = sourceId;
        Touch(changes, userId, utcNow);
        return changes;
    }

    /// <summary>
    /// Takes the customer out of group <paramref name="fromGroupId"/> and puts it in <paramref name="intoGroupId"/> (a merge
    /// of groups in the settings): a customer already in both keeps one membership. Logged as a change of "Groups".
    /// </summary>
    public IReadOnlyList<FieldChange> ReplaceGroup(int fromGroupId, int intoGroupId, string? userId, DateTime utcNow)
    {
        if (fromGroupId == intoGroupId || _groups.All(g => g.GroupId != fromGroupId))
        {
            return [];
        }

        var before = string.Join(',', _groups.Select(g => g.GroupId));
        SetGroups(_groups.Select(g => g.GroupId == fromGroupId ? intoGroupId : g.GroupId).ToList());
        FieldChange[] changes = [new FieldChange("Groups", before, string.Join(',', _groups.Select(g => g.GroupId)))];
        Touch(changes, userId, utcNow);
        return changes;
    }

    /// <summary>
    /// Sets the related users (người liên quan, R7.3): staff who see the customer as their own. Returns one change per user
    /// added (<see cref="RelatedUserField"/>, null → id) or removed (id → null), which become the change log; a real change
    /// bumps the version like any other field when <paramref name="utcNow"/> is given.
    /// </summary>
    public IReadOnlyList<FieldChange> SetRelatedUsers(IEnumerable<string> userIds, string? userId = null, DateTime? utcNow = null)
    {
        var wanted = userIds.Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var changes = new List<FieldChange>();
        foreach (var removed in _relatedUsers.Where(r => !wanted.Contains(r.UserId, StringComparer.Ordinal)).ToList())
        {
            _relatedUsers.Remove(removed);
            changes.Add(new FieldChange(RelatedUserField, removed.UserId, null));
        }

        foreach (var id in wanted.Where(id => _relatedUsers.All(r => r.UserId != id)))
        {
            _relatedUsers.Add(new CustomerRelatedUser(Id, id));
            changes.Add(new FieldChange(RelatedUserField, null, id));
        }

        if (utcNow is not null)
        {
            Touch(changes, userId, utcNow.Value);
        }

        return changes;
    }

    /// <summary>The change-log field of a related user added or removed.</summary>
    public const string RelatedUserField = "RelatedUser";

    /// <summary>Sets (or clears) a custom field value (R1.3); a real change bumps the version like any other field.</summary>
    public IReadOnlyList<FieldChange> SetCustomValue(CustomFieldDefinition field, string? rawValue, string? userId = null, DateTime? utcNow = null) =>
        RestoreCustomValue(field.Id, field.Validate(rawValue), userId, utcNow);

    /// <summary>
    /// Puts back a value the customer held before (an import's undo), as it was stored: not validated again, since the
    /// field's choices may have changed since. Null removes the value.
    /// </summary>
    public IReadOnlyList<FieldChange> RestoreCustomValue(int fieldId, string? value, string? userId = null, DateTime? utcNow = null)
    {
        var existing = _customValues.FirstOrDefault(v => v.FieldId == fieldId);
        var old = existing?.Value;
        if (string.Equals(old, value, StringComparison.Ordinal))
        {
            return [];
        }

        if (value is null)
        {
            _customValues.Remove(existing!);
        }
        else if (existing is null)
        {
            _customValues.Add(new CustomFieldValue(Id, fieldId, value));
        }
        else
        {
            existing.Set(value);
        }

        FieldChange[] changes = [new FieldChange(CustomFieldKey(fieldId), old, value)];
        if (utcNow is not null)
        {
            Touch(changes, userId, utcNow.Value);
        }

        return changes;
    }

    /// <summary>The change-log field name of a custom field ("cf:12").</summary>
    public static string CustomFieldKey(int fieldId) => "cf:" + fieldId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The custom field a change-log field name stands for ("cf:12" → 12), else null.</summary>
    public static int? CustomFieldId(string field) =>
        field.StartsWith("cf:", StringComparison.Ordinal) && int.TryParse(field.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private void Apply(CustomerDetails d)
    {
        var name = d.Name?.Trim() ?? string.Empty;
        if (name.Length == 0)
        {
            throw new DomainException(RuleCodes.NameRequired, "A customer needs a name.");
        }

        name = FieldLimits.Check("name", name)!;

        string? phone = null;
        if (!string.IsNullOrWhiteSpace(d.Phone))
        {
            phone = PhoneNormalizer.Normalize(d.Phone)
                ?? throw new DomainException(RuleCodes.PhoneInvalid, $"'{d.Phone}' is not a phone number.");
        }

        string? email = null;
        if (!string.IsNullOrWhiteSpace(d.Email))
        {
            email = EmailAddress.Normalize(d.Email)
                ?? throw new DomainException(RuleCodes.EmailInvalid, $"'{d.Email}' is not an email address.");
        }

        if (phone is null && email is null)
        {
            throw new DomainException(RuleCodes.PhoneOrEmailRequired, "A customer needs a phone or an email.");
        }

        // Every field is checked before any is set: a refused edit leaves the customer as it was.
        var address = FieldLimits.Check("address", d.Address);
        var taxCode = FieldLimits.Check("taxCode", d.TaxCode);
        var country = FieldLimits.Check("country", d.Country);
        var province = FieldLimits.Check("province", d.Province);
        var district = FieldLimits.Check("district", d.District);
        var website = FieldLimits.Check("website", d.Website);
        var industry = FieldLimits.Check("industry", d.Industry);
        var avatarUrl = FieldLimits.Check("avatarUrl", d.AvatarUrl);
        Name = name;
        Phone = phone;
        Email = email;
        Address = address;
        Birthday = d.Birthday;
        Gender = d.Gender;
        TaxCode = taxCode;
        Country = country;
        Province = province;
        District = district;
        Website = website;
        Industry = industry;
        SourceId = d.SourceId;
        AvatarUrl = avatarUrl;
        RefreshKeys();
    }

    private void RefreshKeys()
    {
        NameKey = SearchKey.Fold(Name);
        var phoneDigits = Phone is null ? string.Empty : NationalDigits(Phone);
        SearchText = SearchKey.Fold(string.Join(' ', new[] { Name, Code, Email, phoneDigits }.Where(s => !string.IsNullOrEmpty(s))));
    }

    /// <summary>"+84912345678" → "0912345678" so that typed national numbers match by substring.</summary>
    public static string NationalDigits(string e164) =>
        e164.StartsWith("+84", StringComparison.Ordinal) ? "0" + e164[3..] : PhoneNormalizer.Digits(e164);

    private void Touch(IReadOnlyCollection<FieldChange> changes, string? userId, DateTime utcNow)
    {
        if (changes.Count == 0)
        {
            return;
        }

        Version++;
        UpdatedAt = utcNow;
        UpdatedById = userId;
    }

    private Dictionary<string, string?> Snapshot() => new()
    {
        [nameof(Name)] = Name,
        [nameof(Phone)] = Phone,
        [nameof(Email)] = Email,
        [nameof(Address)] = Address,
        [nameof(Birthday)] = Birthday is null ? null : VnDate.ToText(Birthday.Value),
        [nameof(Gender)] = Gender == Gender.Unknown ? null : Gender.ToString(),
        [nameof(TaxCode)] = TaxCode,
        [nameof(Country)] = Country,
        [nameof(Province)] = Province,
        [nameof(District)] = District,
        [nameof(Website)] = Website,
        [nameof(Industry)] = Industry,
        [nameof(SourceId)] = Str(SourceId),
        [nameof(AvatarUrl)] = AvatarUrl,
    };

    private static List<FieldChange> Diff(Dictionary<string, string?> before, Dictionary<string, string?> after) =>
        before.Where(kv => !string.Equals(kv.Value, after[kv.Key], StringComparison.Ordinal))
            .Select(kv => new FieldChange(kv.Key, kv.Value, after[kv.Key]))
            .ToList();

    private static string? Str(int? value) => value?.ToString(CultureInfo.InvariantCulture);

}
