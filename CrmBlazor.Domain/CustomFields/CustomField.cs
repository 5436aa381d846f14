using System.Globalization;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Importing;

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
        BuiltInFieldNames.EnsureFree(Name);
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
        var trimmed = string.IsNullOrWhiteSpace(name) ? throw new DomainException(CustomFieldCodes.NameRequired, "A field needs a name.") : name.Trim();
        BuiltInFieldNames.EnsureFree(trimmed);
        Name = trimmed;
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

                throw new DomainException(CustomFieldCodes.NumberInvalid, $"'{text}' is not a number ({Name}).");
            case CustomFieldKind.Date:
                return VnDate.TryParse(text, out var d) ? VnDate.ToText(d) : throw new DomainException(CustomFieldCodes.DateInvalid, $"'{text}' is not a date (dd/MM/yyyy) ({Name}).");
            case CustomFieldKind.Choice:
                var match = ChoiceList.FirstOrDefault(c => SearchKey.Fold(c) == SearchKey.Fold(text));
                return match ?? throw new DomainException(CustomFieldCodes.ChoiceInvalid, $"'{text}' is not one of the choices of {Name}.");
            default:
                return text.Length <= FieldLimits.CustomText ? text : throw FieldLimits.TooLong("customFields", FieldLimits.CustomText);
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

/// <summary>
/// The names of a customer's own fields (R1.1, R1.2), in Vietnamese and English, as the screens, the import (R3) and the
/// export show them. A custom field may not take one (R1.3): a second "Điện thoại" column would make the list, the
/// import's column mapping and the export ambiguous. Compared as the import compares headers: without case, diacritics,
/// spaces or punctuation ("dien thoai" is "Điện thoại").
/// </summary>
public static class BuiltInFieldNames
{
    private static readonly string[] Others =
    [
        "Tên", "Họ tên", "Mã", "Mã KH", "Nguồn", "Nhóm", "Name", "Code", "Source", "Group", "Owner", "Contacts", "Người liên hệ",
        "Ngày tạo", "Created", "Liên hệ lần cuối", "Last contact", "Người giới thiệu", "Referrer", "Ảnh đại diện", "Avatar",
        "Người liên quan", "Related users", "Tương tác", "Interactions", "Giá trị", "Value", "Mã số thuế", "Tax code",
    ];

    private static readonly Dictionary<string, string> ByKey = Build();

    /// <summary>The built-in field <paramref name="name"/> stands for (its Vietnamese label), or null when it is free.</summary>
    public static string? Match(string? name)
    {
        var key = ImportFields.HeaderKey(name);
        return key.Length > 0 && ByKey.TryGetValue(key, out var label) ? label : null;
    }

    /// <summary>Throws <see cref="CustomFieldCodes.NameReserved"/> when <paramref name="name"/> is a built-in field's.</summary>
    public static void EnsureFree(string name)
    {
        if (Match(name) is { } builtIn)
        {
            throw new DomainException(CustomFieldCodes.NameReserved,
                $"'{name.Trim()}' is the name of a built-in field ({builtIn}); give the custom field another name.");
        }
    }

    private static Dictionary<string, string> Build()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var info in ImportFields.All)
        {
            foreach (var label in new[] { info.Vietnamese, info.English, info.Field.ToString() })
            {
                map.TryAdd(ImportFields.HeaderKey(label), info.Vietnamese);
            }
        }

        foreach (var label in Others)
        {
            map.TryAdd(ImportFields.HeaderKey(label), label);
        }

        return map;
    }
}

/// <summary>Stable codes of the custom field rules (R1.3), localised by the UI.</summary>
public static class CustomFieldCodes
{
    public const string NameRequired = "customfield.name-required";
    public const string NameReserved = "customfield.name-reserved";
    public const string NameTaken = "customfield.name-taken";
    public const string Unknown = "customfield.unknown";
    public const string NumberInvalid = "customfield.number-invalid";
    public const string DateInvalid = "customfield.date-invalid";
    public const string ChoiceInvalid = "customfield.choice-invalid";
}
