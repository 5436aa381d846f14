using System.Globalization;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.CustomFields;

namespace CrmBlazor.Domain.Importing;

/// <summary>
/// Why a row cannot be imported. <see cref="Value"/> is the offending text as the file wrote it; <see cref="FieldLabel"/>
/// is a custom field's name (the UI words built-in fields itself).
/// </summary>
/// <see cref="Other"/> is a second value some reasons name (the customer the e-mail matches when the phone matches another).
public sealed record ImportRowError(string Code, ImportField Field, string? Value = null, string? FieldLabel = null, string? Other = null);

/// <summary>Stable codes of <see cref="ImportRowError"/> (the UI words them in Vietnamese or English).</summary>
public static class ImportErrorCodes
{
    public const string NameRequired = "name-required";
    public const string PhoneOrEmailRequired = "phone-or-email-required";
    public const string PhoneInvalid = "phone-invalid";
    public const string EmailInvalid = "email-invalid";
    public const string DateInvalid = "date-invalid";
    /// <summary>Written as dd/mm/yyyy, but no such day exists ("31/02/1990").</summary>
    public const string DateNotExist = "date-not-exist";
    public const string GenderInvalid = "gender-invalid";
    public const string RelationshipUnknown = "relationship-unknown";
    public const string SourceUnknown = "source-unknown";
    public const string GroupUnknown = "group-unknown";
    public const string OwnerUnknown = "owner-unknown";
    public const string TooLong = "too-long";
    public const string ContactNameRequired = "contact-name-required";
    public const string NoCustomerAbove = "no-customer-above";
    /// <summary>A continuation row whose customer row failed; <see cref="ImportRowError.Value"/> is that row's number.</summary>
    public const string CustomerAboveFailed = "customer-above-failed";
    /// <summary>A later row with the code, phone or e-mail of a row that failed: it never stands in for it (Value: that row's number).</summary>
    public const string DuplicateOfFailed = "duplicate-of-failed";
    /// <summary>The phone matches one customer and the e-mail another (Value, Other: the two, as the planner names them).</summary>
    public const string PhoneEmailConflict = "phone-email-conflict";
    public const string NotEditable = "not-editable";
    public const string NotVisible = "not-visible";
    public const string CodeInTrash = "code-in-trash";
    /// <summary>A custom number field's cell is not a number (R1.3).</summary>
    public const string NumberInvalid = "number-invalid";
    /// <summary>A custom choice field's cell is none of its choices (R1.3).</summary>
    public const string ChoiceInvalid = "choice-invalid";
}

/// <summary>The contact a row carries: the primary contact on a customer row, a further contact on a continuation row (R3.4).</summary>
public sealed record ImportContact(string Name, string? Salutation, string? Phone, string? Email, DateOnly? Birthday, Gender Gender, string? Note)
{
    public Contact ToContact() => new(Name, Salutation, Phone, Email, Birthday, Gender, Note);
}

public enum ImportRowKind
{
    /// <summary>Nothing in any mapped column: ignored.</summary>
    Blank,
    Customer,
    /// <summary>Customer columns empty, contact columns filled: a further contact of the customer above (R3.4).</summary>
    ContactOnly,
}

/// <summary>
/// A set of fields as bits: a row's filled fields. The import keeps a parsed row per spreadsheet row from the check to the
/// end of the import, so this is one int where a HashSet cost about 300 bytes a row (30 MB for 100,000 rows).
/// </summary>
public readonly record struct ImportFieldSet(uint Bits)
{
    public bool Contains(ImportField field) => (Bits & (1u << (int)field)) != 0;

    public ImportFieldSet With(ImportField field) => new(Bits | (1u << (int)field));

    public bool Any(Func<ImportField, bool> predicate)
    {
        for (var f = 0; f < 32; f++)
        {
            if ((Bits & (1u << f)) != 0 && predicate((ImportField)f))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One spreadsheet row parsed and validated by <see cref="ImportRowParser"/>.</summary>
public sealed class ParsedRow
{
    public required int RowNumber { get; init; }
    public ImportRowKind Kind { get; internal set; }
    public List<ImportRowError> Errors { get; } = [];
    /// <summary>The fields the row fills (mapped and not blank): an update changes only these.</summary>
    public ImportFieldSet Given { get; internal set; }
    public string? Code { get; internal set; }
    public CustomerDetails? Details { get; internal set; }
    /// <summary>Null when the row leaves it blank: the first relationship for a new customer (R2.3).</summary>
    public int? RelationshipId { get; internal set; }
    public int[]? GroupIds { get; internal set; }
    public string? OwnerId { get; internal set; }
    public ImportContact? Contact { get; internal set; }
    /// <summary>Custom field values the row fills, validated and in stored form (blank cells are not here: an update leaves them).</summary>
    public (int FieldId, string Value)[]? CustomValues { get; internal set; }

    /// <summary>Phones of the row written in the pre-2018 eleven-digit numbering and converted (R3.3).</summary>
    public int PhonesConverted { get; internal set; }
    /// <summary>
    /// Neither phone nor e-mail: an error unless the row overwrites a customer found by its code (R2.6c), which only the
    /// planner knows, so the planner adds it.
    /// </summary>
    public bool LacksPhoneAndEmail { get; internal set; }
    /// <summary>The relationship column is mapped and this row leaves it blank (an overwrite then sets the first relationship, R2.6c).</summary>
    public bool RelationshipBlank { get; internal set; }
    /// <summary>How many of <see cref="Errors"/> the parse found; the planner's own come after and are made again at each plan.</summary>
    internal int ParseErrors { get; set; }

    /// <summary>Drops the errors an earlier plan added (a check made again with other options plans the same rows again).</summary>
    internal void ResetPlan()
    {
        if (Errors.Count > ParseErrors)
        {
            Errors.RemoveRange(ParseErrors, Errors.Count - ParseErrors);
        }
    }

    public bool IsValid => Errors.Count == 0;
    /// <summary>E.164 phone (dedupe key).</summary>
    public string? Phone => Details?.Phone;
    /// <summary>Lower-case email (dedupe key).</summary>
    public string? Email => Details?.Email;
}

/// <summary>
/// Parses and validates one row (R3.3, R3.4) with the existing normalisers: phones in any written form become E.164,
/// gender words in both languages, dates dd/MM/yyyy or real Excel date cells (never month first), emails validated,
/// groups comma-separated, owner by login name; group, source and relationship must exist (case and diacritics folded).
/// Cells are what the reader gives: string, double, DateTime, bool or null.
/// </summary>
public static partial class ImportRowParser
{
    /// <summary>The same limits as the dialog and the API (<see cref="FieldLimits"/>), checked per row so a long cell is a row error.</summary>
    public static readonly IReadOnlyDictionary<ImportField, int> MaxLengths = new Dictionary<ImportField, int>
    {
        [ImportField.Code] = CustomerCode.MaxLength,
        [ImportField.Name] = FieldLimits.Name,
        [ImportField.Address] = FieldLimits.Address,
        [ImportField.TaxCode] = FieldLimits.TaxCode,
        [ImportField.Country] = FieldLimits.Place,
        [ImportField.Province] = FieldLimits.Place,
        [ImportField.District] = FieldLimits.Place,
        [ImportField.Website] = FieldLimits.Website,
        [ImportField.Industry] = FieldLimits.Industry,
        [ImportField.ContactSalutation] = FieldLimits.Salutation,
        [ImportField.ContactName] = FieldLimits.ContactName,
        [ImportField.ContactNote] = FieldLimits.ContactNote,
    };

    public static ParsedRow Parse(int rowNumber, IReadOnlyList<object?> cells, IReadOnlyList<ImportField> mapping, ImportLookups lookups)
    {
        var row = new ParsedRow { RowNumber = rowNumber };
        var values = new Values(new object?[FieldCount]);
        List<(ImportField Field, object Cell)>? custom = null;
        for (var i = 0; i < mapping.Count && i < cells.Count; i++)
        {
            var field = mapping[i];
            var cell = cells[i];
            if (field == ImportField.Skip || IsBlank(cell))
            {
                continue;
            }

            if (ImportFields.IsCustom(field))
            {
                if (custom?.Exists(c => c.Field == field) != true)
                {
                    (custom ??= []).Add((field, cell!));
                }

                continue;
            }

            if (values.ContainsKey(field))
            {
                continue;
            }

            values.Set(field, cell!);
            row.Given = row.Given.With(field);
        }

        // A custom field is the customer's: a row filling one is a customer row, not a further contact.
        var hasCustomer = custom is not null || row.Given.Any(f => !ImportFields.Of(f).IsContact);
        var hasContact = row.Given.Any(f => ImportFields.Of(f).IsContact);
        row.Kind = hasCustomer ? ImportRowKind.Customer : hasContact ? ImportRowKind.ContactOnly : ImportRowKind.Blank;
        if (row.Kind == ImportRowKind.Blank)
        {
            return row;
        }

        foreach (var (field, max) in MaxLengths)
        {
            if (values.TryGetValue(field, out var v) && Text(v) is { } t && t.Length > max)
            {
                row.Errors.Add(new ImportRowError(ImportErrorCodes.TooLong, field, t[..Math.Min(t.Length, 40)] + "…"));
            }
        }

        if (hasContact)
        {
            row.Contact = ParseContact(row, values);
        }

        if (row.Kind == ImportRowKind.Customer)
        {
            ParseCustomer(row, values, lookups);
            if (custom is not null)
            {
                row.CustomValues = ParseCustom(custom, lookups, row.Errors);
            }

            row.RelationshipBlank = row.RelationshipId is null && !values.ContainsKey(ImportField.Relationship) && mapping.Contains(ImportField.Relationship);
        }

        row.ParseErrors = row.Errors.Count;
        return row;
    }

    /// <summary>The longest custom text value (its column's size).</summary>
    public const int MaxCustomTextLength = FieldLimits.CustomText;

    /// <summary>Each custom cell validated by its field's definition (R1.3): a bad number, date or choice is a row error naming the field.</summary>
    private static (int FieldId, string Value)[] ParseCustom(List<(ImportField Field, object Cell)> cells, ImportLookups lookups, List<ImportRowError> errors)
    {
        var result = new List<(int, string)>(cells.Count);
        foreach (var (field, cell) in cells)
        {
            ImportFields.TryGetCustomId(field, out var id);
            var definition = lookups.CustomField(id)
                ?? throw new InvalidOperationException($"Custom field {id} is not one the import may write (unknown or deleted).");
            // A real date cell (or a date whose format the reader did not recognise) is a date, not its serial number.
            var raw = definition.Kind == CustomFieldKind.Date && cell is not string && Date(cell, field, []) is { } d ? VnDate.ToText(d) : Text(cell);
            if (definition.Kind == CustomFieldKind.Text && raw is { Length: > MaxCustomTextLength })
            {
                errors.Add(new ImportRowError(ImportErrorCodes.TooLong, field, raw[..40] + "…", definition.Name));
                continue;
            }

            try
            {
                if (definition.Validate(raw) is { } value)
                {
                    result.Add((id, value));
                }
            }
            catch (DomainException ex)
            {
                var code = ex.Code switch
                {
                    CustomFieldCodes.NumberInvalid => ImportErrorCodes.NumberInvalid,
                    CustomFieldCodes.DateInvalid => ImportErrorCodes.DateInvalid,
                    _ => ImportErrorCodes.ChoiceInvalid,
                };
                errors.Add(new ImportRowError(code, field, raw, definition.Name));
            }
        }

        return [.. result];
    }

    private static readonly int FieldCount = Enum.GetValues<ImportField>().Max(f => (int)f) + 1;

    /// <summary>The row's cell per field (a plain array: a dictionary per row was most of the parser's garbage).</summary>
    private readonly record struct Values(object?[] Cells)
    {
        public bool ContainsKey(ImportField field) => Cells[(int)field] is not null;

        public void Set(ImportField field, object value) => Cells[(int)field] = value;

        public object? GetValueOrDefault(ImportField field) => Cells[(int)field];

        public bool TryGetValue(ImportField field, out object? value)
        {
            value = Cells[(int)field];
            return value is not null;
        }
    }

    private static void ParseCustomer(ParsedRow row, Values values, ImportLookups lookups)
    {
        var errors = row.Errors;
        var name = Text(values.GetValueOrDefault(ImportField.Name));
        if (name is null)
        {
            errors.Add(new ImportRowError(ImportErrorCodes.NameRequired, ImportField.Name));
        }

        var phone = Phone(values.GetValueOrDefault(ImportField.Phone), ImportField.Phone, row);
        var email = Email(values.GetValueOrDefault(ImportField.Email), ImportField.Email, errors);
        row.LacksPhoneAndEmail = !values.ContainsKey(ImportField.Phone) && !values.ContainsKey(ImportField.Email);

        var code = Text(values.GetValueOrDefault(ImportField.Code));
        row.Code = CustomerCode.Clean(code);

        int? sourceId = null;
        if (Text(values.GetValueOrDefault(ImportField.Source)) is { } sourceName)
        {
            sourceId = lookups.Source(sourceName);
            if (sourceId is null)
            {
                errors.Add(new ImportRowError(ImportErrorCodes.SourceUnknown, ImportField.Source, sourceName));
            }
        }

        if (Text(values.GetValueOrDefault(ImportField.Relationship)) is { } relationshipName)
        {
            row.RelationshipId = lookups.Relationship(relationshipName);
            if (row.RelationshipId is null)
            {
                errors.Add(new ImportRowError(ImportErrorCodes.RelationshipUnknown, ImportField.Relationship, relationshipName));
            }
        }

        if (Text(values.GetValueOrDefault(ImportField.Groups)) is { } groupText)
        {
            var ids = new List<int>();
            foreach (var part in groupText.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (lookups.Group(part) is { } id)
                {
                    ids.Add(id);
                }
                else
                {
                    errors.Add(new ImportRowError(ImportErrorCodes.GroupUnknown, ImportField.Groups, part));
                }
            }

            row.GroupIds = [.. ids.Distinct()];
        }

        if (Text(values.GetValueOrDefault(ImportField.Owner)) is { } login)
        {
            row.OwnerId = lookups.Owner(login);
            if (row.OwnerId is null)
            {
                errors.Add(new ImportRowError(ImportErrorCodes.OwnerUnknown, ImportField.Owner, login));
            }
        }

        var birthday = Date(values.GetValueOrDefault(ImportField.Birthday), ImportField.Birthday, errors);
        var gender = GenderOf(values.GetValueOrDefault(ImportField.Gender), ImportField.Gender, errors);

        row.Details = new CustomerDetails
        {
            Name = name ?? string.Empty,
            Phone = phone,
            Email = email,
            Address = Text(values.GetValueOrDefault(ImportField.Address)),
            Birthday = birthday,
            Gender = gender,
            TaxCode = Text(values.GetValueOrDefault(ImportField.TaxCode)),
            Country = Shared(Text(values.GetValueOrDefault(ImportField.Country)), lookups),
            Province = Shared(Text(values.GetValueOrDefault(ImportField.Province)), lookups),
            District = Shared(Text(values.GetValueOrDefault(ImportField.District)), lookups),
            Website = Text(values.GetValueOrDefault(ImportField.Website)),
            Industry = Shared(Text(values.GetValueOrDefault(ImportField.Industry)), lookups),
            SourceId = sourceId,
        };
    }

    private static string? Shared(string? text, ImportLookups lookups) => text is null ? null : lookups.Shared(text);

    private static ImportContact? ParseContact(ParsedRow row, Values values)
    {
        var errors = row.Errors;
        var name = Text(values.GetValueOrDefault(ImportField.ContactName));
        var phone = Phone(values.GetValueOrDefault(ImportField.ContactPhone), ImportField.ContactPhone, row);
        var email = Email(values.GetValueOrDefault(ImportField.ContactEmail), ImportField.ContactEmail, errors);
        var birthday = Date(values.GetValueOrDefault(ImportField.ContactBirthday), ImportField.ContactBirthday, errors);
        var gender = GenderOf(values.GetValueOrDefault(ImportField.ContactGender), ImportField.ContactGender, errors);
        if (name is null)
        {
            errors.Add(new ImportRowError(ImportErrorCodes.ContactNameRequired, ImportField.ContactName));
            return null;
        }

        return new ImportContact(name, Text(values.GetValueOrDefault(ImportField.ContactSalutation)), phone, email, birthday, gender,
            Text(values.GetValueOrDefault(ImportField.ContactNote)));
    }

    private static string? Phone(object? cell, ImportField field, ParsedRow row)
    {
        var text = Text(cell);
        if (text is null)
        {
            return null;
        }

        var phone = PhoneNormalizer.Normalize(text, out var converted);
        if (phone is null)
        {
            row.Errors.Add(new ImportRowError(ImportErrorCodes.PhoneInvalid, field, text));
        }
        else if (converted)
        {
            row.PhonesConverted++;
        }

        return phone;
    }

    private static string? Email(object? cell, ImportField field, List<ImportRowError> errors)
    {
        var text = Text(cell);
        if (text is null)
        {
            return null;
        }

        var email = EmailAddress.Normalize(text);
        if (email is null)
        {
            errors.Add(new ImportRowError(ImportErrorCodes.EmailInvalid, field, text));
        }

        return email;
    }

    private static Gender GenderOf(object? cell, ImportField field, List<ImportRowError> errors)
    {
        var text = Text(cell);
        if (text is null)
        {
            return Gender.Unknown;
        }

        if (!GenderWords.TryParse(text, out var gender))
        {
            errors.Add(new ImportRowError(ImportErrorCodes.GenderInvalid, field, text));
        }

        return gender;
    }

    /// <summary>
    /// A real date cell is taken as it is; text must be dd/MM/yyyy (<see cref="VnDate"/>, day first); a bare number is an
    /// Excel serial date (a date cell whose format the reader did not recognise).
    /// </summary>
    public static DateOnly? Date(object? cell, ImportField field, List<ImportRowError> errors)
    {
        switch (cell)
        {
            case null:
                return null;
            case DateTime dt:
                return DateOnly.FromDateTime(dt);
            case DateOnly d:
                return d;
            case double serial when serial is >= 1 and < 2958466 && serial == Math.Floor(serial):
                return DateOnly.FromDateTime(DateTime.FromOADate(serial));
        }

        var text = Text(cell);
        if (text is null)
        {
            return null;
        }

        if (VnDate.TryParse(text, out var date))
        {
            return date;
        }

        // Day, month and year in the right places but no such day ("31/02/1990"): say so, not "not dd/mm/yyyy".
        errors.Add(new ImportRowError(DoesNotExist(text) ? ImportErrorCodes.DateNotExist : ImportErrorCodes.DateInvalid, field, text));
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:(?<d>\d{1,2})([/.-])(?<m>\d{1,2})\1\d{4}|\d{4}-(?<m>\d{2})-(?<d>\d{2}))$")]
    private static partial System.Text.RegularExpressions.Regex DateShaped();

    /// <summary>Day 1–31 and month 1–12 where dd/mm/yyyy (or yyyy-mm-dd) puts them, yet no such date: 31/02, 29/02 of a common year.</summary>
    private static bool DoesNotExist(string text)
    {
        var match = DateShaped().Match(text);
        return match.Success && int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture) is >= 1 and <= 31
                             && int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture) is >= 1 and <= 12;
    }

    public static bool IsBlank(object? cell) => cell is null || (cell is string s && string.IsNullOrWhiteSpace(s));

    /// <summary>
    /// The text of a cell: strings trimmed (a string that looks like a formula stays text), whole numbers without
    /// exponent or decimals ("912345678", not "9.12E+08"), dates as dd/MM/yyyy. Blank gives null.
    /// </summary>
    public static string? Text(object? cell)
    {
        var text = cell switch
        {
            null => null,
            string s => s,
            double d when d == Math.Floor(d) && Math.Abs(d) < 1e15 => d.ToString("0", CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            decimal m => m.ToString(CultureInfo.InvariantCulture),
            DateTime dt => VnDate.ToText(DateOnly.FromDateTime(dt)),
            DateOnly d => VnDate.ToText(d),
            bool b => b ? "TRUE" : "FALSE",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => cell.ToString(),
        };
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }
}
