namespace CrmBlazor.Domain.Common;

/// <summary>
/// The longest text each field takes, in characters after trimming (issue 20). The same numbers bound the UI inputs,
/// the API (422 naming the field) and the import (a row error naming the column), and size the database columns.
/// Longer text is refused, never cut. Keys are the API's field names; README lists them.
/// </summary>
public static class FieldLimits
{
    public const int Name = 200;
    public const int Address = 500;
    public const int TaxCode = 20;
    public const int Place = 100;
    public const int Website = 300;
    public const int Industry = 150;
    public const int AvatarUrl = 500;
    public const int ContactName = 200;
    public const int Salutation = 50;
    public const int ContactNote = 2000;
    public const int CustomText = 2000;

    public static IReadOnlyDictionary<string, int> All { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["name"] = Name,
        ["address"] = Address,
        ["taxCode"] = TaxCode,
        ["country"] = Place,
        ["province"] = Place,
        ["district"] = Place,
        ["website"] = Website,
        ["industry"] = Industry,
        ["avatarUrl"] = AvatarUrl,
        ["contacts.name"] = ContactName,
        ["contacts.salutation"] = Salutation,
        ["contacts.note"] = ContactNote,
        ["customFields"] = CustomText,
    };

    /// <summary>Trims <paramref name="value"/> (blank → null) and refuses it when longer than <paramref name="field"/>'s limit.</summary>
    public static string? Check(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        var max = All[field];
        return text.Length <= max ? text : throw TooLong(field, max);
    }

    public static DomainException TooLong(string field, int max) =>
        new(RuleCodes.TooLongPrefix + field, $"The field '{field}' takes at most {max} characters.");

    /// <summary>The field named by a "too long" rule code, or null for any other code.</summary>
    public static string? FieldOf(string? code) =>
        code is not null && code.StartsWith(RuleCodes.TooLongPrefix, StringComparison.Ordinal) ? code[RuleCodes.TooLongPrefix.Length..] : null;
}
