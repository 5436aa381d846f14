using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Customers;

/// <summary>A contact person of a customer (người liên hệ, R1.2). One contact of a customer is primary.</summary>
public sealed class Contact
{
    private Contact()
    {
        Name = string.Empty;
    }

    public Contact(string name, string? salutation = null, string? phone = null, string? email = null,
        DateOnly? birthday = null, Gender gender = Gender.Unknown, string? note = null)
    {
        Name = string.Empty;
        Edit(name, salutation, phone, email, birthday, gender, note);
    }

    public int Id { get; private set; }
    public int CustomerId { get; private set; }
    public string? Salutation { get; private set; }
    public string Name { get; private set; }
    public string? Phone { get; private set; }
    public string? Email { get; private set; }
    public DateOnly? Birthday { get; private set; }
    public Gender Gender { get; private set; }
    public string? Note { get; private set; }
    public bool IsPrimary { get; internal set; }

    public void Edit(string name, string? salutation, string? phone, string? email, DateOnly? birthday, Gender gender, string? note)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            throw new DomainException(RuleCodes.ContactNameRequired, "A contact needs a name.");
        }

        string? normalizedPhone = null;
        if (!string.IsNullOrWhiteSpace(phone))
        {
            normalizedPhone = PhoneNormalizer.Normalize(phone)
                ?? throw new DomainException(RuleCodes.PhoneInvalid, $"'{phone}' is not a phone number.");
        }

        string? normalizedEmail = null;
        if (!string.IsNullOrWhiteSpace(email))
        {
            normalizedEmail = EmailAddress.Normalize(email)
                ?? throw new DomainException(RuleCodes.EmailInvalid, $"'{email}' is not an email address.");
        }

        trimmed = FieldLimits.Check("contacts.name", trimmed)!;
        var cleanSalutation = FieldLimits.Check("contacts.salutation", salutation);
        var cleanNote = FieldLimits.Check("contacts.note", note);
        Name = trimmed;
        Salutation = cleanSalutation;
        Phone = normalizedPhone;
        Email = normalizedEmail;
        Birthday = birthday;
        Gender = gender;
        Note = cleanNote;
    }

    internal void MoveToCustomer(int customerId) => CustomerId = customerId;
}
