using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Importing;
using MiniExcelLibs;

namespace CrmBlazor.Features.Import;

/// <summary>The files the import hands out: templates (R3.1) and the failed rows to fix and upload again (R3.2).</summary>
public static class ImportFiles
{
    /// <summary>
    /// The failed rows as an .xlsx: the original columns plus "Lỗi / Error" and the row's number in the uploaded file
    /// ("Dòng gốc / Original row"), to fix and upload again as it is (R3.2); both added columns are skipped on upload.
    /// </summary>
    public static byte[] FailedRowsFile(ImportSheet sheet, ImportCheck check, Func<ImportRowError, string> describe)
    {
        const string errorHeader = "Lỗi / Error";
        const string rowHeader = "Dòng gốc / Original row";
        var headers = sheet.Headers.ToList();
        var keys = headers.Select((h, i) => headers.Take(i).Contains(h) || h is errorHeader or rowHeader ? $"{h} ({ImportFileReader.ColumnLetter(i)})" : h).ToList();
        var data = new List<Dictionary<string, object?>>();
        foreach (var f in check.FailedRows)
        {
            var row = new Dictionary<string, object?>();
            var cells = sheet.Rows[f.Index];
            for (var i = 0; i < keys.Count; i++)
            {
                row[keys[i]] = i < cells.Length ? cells[i] : null;
            }

            row[errorHeader] = string.Join("; ", f.Errors.Select(describe));
            row[rowHeader] = f.RowNumber;
            data.Add(row);
        }

        if (data.Count == 0)
        {
            data.Add(keys.Append(errorHeader).Append(rowHeader).ToDictionary(k => k, _ => (object?)null));
        }

        using var ms = new MemoryStream();
        ms.SaveAs(data, excelType: ExcelType.XLSX);
        return ms.ToArray();
    }

    /// <summary>A template (R3.1): Vietnamese headers, a sample row, and a second sheet listing valid values.</summary>
    public static byte[] Template(bool full, ImportReference reference)
    {
        var fields = ImportFields.All.Where(f => full || f.InShortTemplate).ToList();
        var sample = new Dictionary<string, object?>();
        foreach (var f in fields)
        {
            sample[f.Vietnamese] = f.Field switch
            {
                ImportField.Code => "KH-MAU-01",
                ImportField.Name => "Nguyễn Thị Ánh",
                ImportField.Phone => "0912 345 678",
                ImportField.Email => "anh.nguyen@example.com",
                ImportField.Address => "12 Lý Thường Kiệt, Hoàn Kiếm",
                ImportField.Birthday => "05/03/1990",
                ImportField.Gender => "Nữ",
                ImportField.TaxCode => "0101234567",
                ImportField.Country => "Việt Nam",
                ImportField.Province => "Hà Nội",
                ImportField.District => "Hoàn Kiếm",
                ImportField.Website => "https://example.com",
                ImportField.Industry => "Bán lẻ",
                ImportField.Source => reference.Sources.FirstOrDefault(),
                ImportField.Groups => string.Join(", ", reference.Groups.Take(2)),
                ImportField.Relationship => reference.Relationships.FirstOrDefault(),
                ImportField.Owner => reference.Owners.FirstOrDefault().Login,
                ImportField.ContactSalutation => "Chị",
                ImportField.ContactName => "Nguyễn Thị Ánh",
                ImportField.ContactPhone => "0912 345 678",
                ImportField.ContactEmail => "anh.nguyen@example.com",
                ImportField.ContactBirthday => "05/03/1990",
                ImportField.ContactGender => "Nữ",
                ImportField.ContactNote => "Liên hệ chính",
                _ => null,
            };
        }

        // The full template has a column per custom field too (R1.3), headed by its name, which the mapping recognises.
        var custom = full ? reference.CustomFields.Where(f => !sample.ContainsKey(f.Name)).ToList() : [];
        foreach (var f in custom)
        {
            sample[f.Name] = f.Kind switch
            {
                CustomFieldKind.Number => "1000",
                CustomFieldKind.Date => "05/03/2026",
                CustomFieldKind.Choice => f.ChoiceList.FirstOrDefault(),
                _ => null,
            };
        }

        var choices = custom.Where(f => f.Kind == CustomFieldKind.Choice && f.ChoiceList.Count > 0).ToList();

        var lists = new List<Dictionary<string, object?>>();
        var n = new[] { reference.Relationships.Count, reference.Sources.Count, reference.Groups.Count, reference.Owners.Count }
            .Concat(choices.Select(f => f.ChoiceList.Count)).Max();
        for (var i = 0; i < n; i++)
        {
            var list = new Dictionary<string, object?>
            {
                ["Mối quan hệ"] = i < reference.Relationships.Count ? reference.Relationships[i] : null,
                ["Nguồn khách hàng"] = i < reference.Sources.Count ? reference.Sources[i] : null,
                ["Nhóm khách hàng"] = i < reference.Groups.Count ? reference.Groups[i] : null,
                ["Người phụ trách (tên đăng nhập)"] = i < reference.Owners.Count ? reference.Owners[i].Login : null,
                ["Họ tên người phụ trách"] = i < reference.Owners.Count ? reference.Owners[i].FullName : null,
            };
            foreach (var f in choices)
            {
                list.TryAdd(f.Name, i < f.ChoiceList.Count ? f.ChoiceList[i] : null);
            }

            lists.Add(list);
        }

        using var ms = new MemoryStream();
        var sheets = new Dictionary<string, object>
        {
            ["Khách hàng"] = new[] { sample },
            ["Danh sách hợp lệ"] = lists.Count > 0 ? lists : [new Dictionary<string, object?> { ["Mối quan hệ"] = null }],
        };
        ms.SaveAs(sheets, excelType: ExcelType.XLSX);
        return ms.ToArray();
    }

}
