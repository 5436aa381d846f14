using System.Globalization;
using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.CustomFields;

public enum CustomFieldKind
{
    Text = 0,
    Number = 1,
    Date = 2,
    Choice = 3,
}

/// <summary>An extra customer field an admin defines (R1.3).</summary>
public sealed class CustomFieldDefinition
{
    private CustomFieldDefinition()
    {
        Name = string.Empty;
    }

    public CustomFieldDefinition(string name, CustomFieldKind kind, IEnumerable<string>? choices = null, int position = 0)
    {
        Name = string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("A field needs a name.", nameof(name)) : name.Trim();
        Kind = kind;
        Choices = kind == CustomFieldKind.Choice ? string.Join('\n', (choices ?? []).Select(c => c.Trim()).Where(c => c.Length > 0).Distinct()) : null;
        Position = position;
    }

    public int Id { get; private set; }
    public string Name { get; private set; }
    public CustomFieldKind Kind { get; private set; }
    /// <summary>Newline-separated options of a choice field.</summary>
    public string? Choices { get; private set; }
    public int Position { get; private set; }
    public bool IsDeleted { get; private set; }

    public IReadOnlyList<string> ChoiceList => Choices?.Split('\n') ?? [];

    public void Delete() => IsDeleted = true;

    public void Rename(string name, IEnumerable<string>? choices)
    {
        Name = string.IsNullOrWhiteSpace(name) ? throw new DomainException(CustomFieldCodes.NameRequired, "A field needs a name.") : name.Trim();
        if (Kind == CustomFieldKind.Choice)
        {
            Choices = string.Join('\n', (choices ?? []).Select(c => c.Trim()).Where(c => c.Length > 0).Distinct());
        }
    }

    /// <summary>Returns the canonical stored text of a value, null for blank; throws when the value does not fit the kind.</summary>
    public string? Validate(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var text = raw.Trim();
        switch (Kind)
        {
            case CustomFieldKind.Number:
                if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var n))
                {
                    return n.ToString(CultureInfo.InvariantCulture);
                }

                throw new DomainException(CustomFieldCodes.NumberInvalid, $"'{text}' is not a number.");
            case CustomFieldKind.Date:
                return VnDate.TryParse(text, out var d) ? VnDate.ToText(d) : throw new DomainException(CustomFieldCodes.DateInvalid, $"'{text}' is not a date (dd/MM/yyyy).");
            case CustomFieldKind.Choice:
                var match = ChoiceList.FirstOrDefault(c => SearchKey.Fold(c) == SearchKey.Fold(text));
                return match ?? throw new DomainException(CustomFieldCodes.ChoiceInvalid, $"'{text}' is not one of the choices of {Name}.");
            default:
                return text.Length > 2000 ? text[..2000] : text;
        }
    }
}

/// <summary>The value of a custom field on one customer.</summary>
public sealed class CustomFieldValue
{
    private CustomFieldValue()
    {
        Value = string.Empty;
    }

    public CustomFieldValue(int customerId, int fieldId, string value)
    {
        CustomerId = customerId;
        FieldId = fieldId;
        Value = value;
    }

    public int CustomerId { get; private set; }
    public int FieldId { get; private set; }
    public string Value { get; private set; }

    internal void Set(string value) => Value = value;
}

/// <summary>Stable codes of the custom field rules (R1.3), localised by the UI.</summary>
public static class CustomFieldCodes
{
    public const string NameRequired = "customfield.name-required";
    public const string NumberInvalid = "customfield.number-invalid";
    public const string DateInvalid = "customfield.date-invalid";
    public const string ChoiceInvalid = "customfield.choice-invalid";
}
