using System.Globalization;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;

namespace CrmBlazor.Domain.Importing;

/// <summary>
/// What a spreadsheet column is imported as (R3.2). <see cref="Skip"/> is "Bỏ qua trường này / Skip this field".
/// A custom field (R1.3) is <see cref="ImportFields.CustomBase"/> + its id (<see cref="ImportFields.Custom"/>): a mapping
/// stays one value per column everywhere it travels (the page, the jobs, the API sessions, the remembered mapping).
/// </summary>
public enum ImportField
{
    Skip = 0,
    Code,
    Name,
    Phone,
    Email,
    Address,
    Birthday,
    Gender,
    TaxCode,
    Country,
    Province,
    District,
    Website,
    Industry,
    Source,
    Groups,
    Relationship,
    Owner,
    ContactSalutation,
    ContactName,
    ContactPhone,
    ContactEmail,
    ContactBirthday,
    ContactGender,
    ContactNote,
}

/// <summary>Headers of the fields: the Vietnamese one the templates use, the English one, and other words people write.</summary>
public static class ImportFields
{
    /// <summary>Custom field <c>id</c> is the field <c>CustomBase + id</c>; the built-in fields stay far below.</summary>
    public const int CustomBase = 1000;

    /// <summary>The field a custom field's column is imported as.</summary>
    public static ImportField Custom(int customFieldId) =>
        customFieldId > 0 ? (ImportField)(CustomBase + customFieldId) : throw new ArgumentOutOfRangeException(nameof(customFieldId));

    /// <summary>True, with its id, when <paramref name="field"/> is a custom field's.</summary>
    public static bool TryGetCustomId(ImportField field, out int customFieldId)
    {
        customFieldId = (int)field - CustomBase;
        return customFieldId > 0;
    }

    public static bool IsCustom(ImportField field) => (int)field > CustomBase;

    /// <summary>The readable name of a field, as the API and the remembered mappings write it: "Phone", "cf:12".</summary>
    public static string Key(ImportField field) => TryGetCustomId(field, out var id) ? Customer.CustomFieldKey(id) : field.ToString();

    /// <summary>Reads <see cref="Key"/>'s form back: a built-in field's name (any case) or "cf:12"; numbers alone are refused.</summary>
    public static bool TryParseKey(string? text, out ImportField field)
    {
        field = ImportField.Skip;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.StartsWith("cf:", StringComparison.OrdinalIgnoreCase))
        {
            if (int.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 && id < int.MaxValue - CustomBase)
            {
                field = Custom(id);
                return true;
            }

            return false;
        }

        return !char.IsDigit(text[0]) && text[0] != '-' && Enum.TryParse(text, ignoreCase: true, out field) && Enum.IsDefined(field);
    }

    /// <summary>One field per column: when several columns go to the same field, the first one keeps it, the others skip.</summary>
    public static ImportField[] OneFieldPerColumn(IEnumerable<ImportField> mapping)
    {
        var seen = new HashSet<ImportField>();
        return mapping.Select(f => f == ImportField.Skip || seen.Add(f) ? f : ImportField.Skip).ToArray();
    }

    public sealed record Info(ImportField Field, string Vietnamese, string English, bool IsContact, bool InShortTemplate, params string[] Aliases);

    public static IReadOnlyList<Info> All { get; } =
    [
        new(ImportField.Code, "Mã khách hàng", "Customer code", false, false, "Mã KH", "Mã", "Code"),
        new(ImportField.Name, "Tên khách hàng", "Customer name", false, true, "Họ tên", "Họ và tên", "Tên", "Name", "Full name", "Khách hàng", "Customer", "Company"),
        new(ImportField.Phone, "Điện thoại", "Phone", false, true, "Số điện thoại", "SĐT", "SDT", "Di động", "Mobile", "Phone number", "Tel", "Telephone"),
        new(ImportField.Email, "Email", "Email address", false, true, "E-mail", "Thư điện tử", "Mail"),
        new(ImportField.Address, "Địa chỉ", "Address", false, true),
        new(ImportField.Birthday, "Ngày sinh", "Birthday", false, false, "Sinh nhật", "Date of birth", "DOB", "Birth date"),
        new(ImportField.Gender, "Giới tính", "Gender", false, false, "Sex"),
        new(ImportField.TaxCode, "Mã số thuế", "Tax code", false, false, "MST", "Tax ID", "VAT number"),
        new(ImportField.Country, "Quốc gia", "Country", false, false),
        new(ImportField.Province, "Tỉnh/Thành phố", "Province", false, false, "Tỉnh", "Thành phố", "Tỉnh thành", "City", "State"),
        new(ImportField.District, "Quận/Huyện", "District", false, false, "Quận", "Huyện"),
        new(ImportField.Website, "Website", "Web site", false, false, "Trang web", "Web", "URL"),
        new(ImportField.Industry, "Ngành nghề", "Industry", false, false, "Lĩnh vực", "Ngành", "Ngành kinh doanh"),
        new(ImportField.Source, "Nguồn khách hàng", "Source", false, true, "Nguồn", "Customer source", "Lead source"),
        new(ImportField.Groups, "Nhóm khách hàng", "Groups", false, true, "Nhóm", "Group", "Customer group", "Customer groups"),
        new(ImportField.Relationship, "Mối quan hệ", "Relationship", false, true, "Quan hệ", "Stage", "Pipeline stage", "Status"),
        new(ImportField.Owner, "Người phụ trách", "Owner", false, true, "Phụ trách", "Nhân viên phụ trách", "Sales", "Assigned to", "Owner login"),
        new(ImportField.ContactSalutation, "Danh xưng người liên hệ", "Contact salutation", true, false, "Danh xưng", "Xưng hô", "Salutation", "Title", "Danh xưng liên hệ"),
        new(ImportField.ContactName, "Tên người liên hệ", "Contact name", true, false, "Người liên hệ", "Contact", "Tên liên hệ"),
        new(ImportField.ContactPhone, "Điện thoại người liên hệ", "Contact phone", true, false, "SĐT người liên hệ", "SDT nguoi lien he", "Điện thoại liên hệ", "SĐT liên hệ", "Số điện thoại liên hệ"),
        new(ImportField.ContactEmail, "Email người liên hệ", "Contact email", true, false, "Email liên hệ"),
        new(ImportField.ContactBirthday, "Ngày sinh người liên hệ", "Contact birthday", true, false, "Sinh nhật liên hệ", "Ngày sinh liên hệ"),
        new(ImportField.ContactGender, "Giới tính người liên hệ", "Contact gender", true, false, "Giới tính liên hệ"),
        new(ImportField.ContactNote, "Ghi chú người liên hệ", "Contact note", true, false, "Ghi chú", "Note", "Notes", "Ghi chú liên hệ"),
    ];

    private static readonly Dictionary<string, ImportField> ByHeader = BuildIndex();

    public static Info Of(ImportField field) => All.First(i => i.Field == field);

    /// <summary>
    /// Proposes the field for a header written in Vietnamese (with or without diacritics) or English; <see cref="ImportField.Skip"/>
    /// when nothing fits. Case, diacritics, punctuation and spacing do not matter.
    /// </summary>
    public static ImportField Propose(string? header)
    {
        var key = HeaderKey(header);
        return key.Length > 0 && ByHeader.TryGetValue(key, out var field) ? field : ImportField.Skip;
    }

    /// <summary>
    /// As <see cref="Propose(string?)"/>, and a header equal to a custom field's name (folded the same way) proposes that
    /// field; built-in names win. <paramref name="customFields"/>: <see cref="HeaderKey"/> of a field's name → its id.
    /// </summary>
    public static ImportField Propose(string? header, IReadOnlyDictionary<string, int> customFields)
    {
        var field = Propose(header);
        return field == ImportField.Skip && customFields.TryGetValue(HeaderKey(header), out var id) ? Custom(id) : field;
    }

    /// <summary>The folded form headers are compared by ("Tỉnh/Thành phố" → "tinhthanhpho").</summary>
    public static string HeaderKey(string? header)
    {
        var folded = SearchKey.Fold(header);
        return string.Concat(folded.Where(char.IsLetterOrDigit));
    }

    private static Dictionary<string, ImportField> BuildIndex()
    {
        var index = new Dictionary<string, ImportField>(StringComparer.Ordinal);
        foreach (var info in All)
        {
            foreach (var word in new[] { info.Vietnamese, info.English, info.Field.ToString() }.Concat(info.Aliases))
            {
                index.TryAdd(HeaderKey(word), info.Field);
            }
        }

        return index;
    }
}
