using CrmBlazor.Data;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Features.Import;

public static class ImportFeature
{
    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static IServiceCollection AddImportFeature(this IServiceCollection services)
    {
        services.AddSingleton(sp => ImportLimits.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<ImportService>();
        // The service's parts, for code that needs one job only (one instance each, the service's own).
        services.AddSingleton(sp => sp.GetRequiredService<ImportService>().Mappings);
        services.AddSingleton(sp => sp.GetRequiredService<ImportService>().Checker);
        services.AddSingleton(sp => sp.GetRequiredService<ImportService>().Writer);
        services.AddSingleton(sp => sp.GetRequiredService<ImportService>().History);
        services.AddSingleton<ImportDownloads>();
        services.AddScoped<ImportUnknownValues>();
        services.AddSingleton<ImportJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<ImportJobs>());
        return services;
    }

    /// <summary>Template downloads (R3.1) and the failed-rows files a page prepared (R3.2), for users with the import right.</summary>
    public static IEndpointRouteBuilder MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/import/files").RequireAuthorization(Policies.CustomersImport);
        group.MapGet("/template/{kind}", async (string kind, ImportService service, CancellationToken ct) =>
        {
            var full = kind == "full";
            var bytes = ImportFiles.Template(full, await service.ReferenceAsync(ct));
            return Results.File(bytes, XlsxType, full ? "mau-nhap-khach-hang-day-du.xlsx" : "mau-nhap-khach-hang-rut-gon.xlsx");
        });
        group.MapGet("/download/{token:guid}", (Guid token, HttpContext http, ImportDownloads downloads) =>
        {
            var userId = http.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
            var file = downloads.Take(token, userId);
            return file is null ? Results.NotFound() : Results.File(file.Bytes, XlsxType, file.FileName);
        });
        return app;
    }

    /// <summary>Words a row error in the user's language.</summary>
    public static string Describe(IStringLocalizer<ImportText> t, ImportRowError e)
    {
        var field = e.FieldLabel ?? FieldName(t, e.Field);
        return e.Code switch
        {
            ImportErrorCodes.NameRequired => t["The customer name is empty"],
            ImportErrorCodes.PhoneOrEmailRequired => t["A customer needs a phone or an email"],
            ImportErrorCodes.PhoneInvalid => t["{0} '{1}' is not a phone number", field, e.Value ?? string.Empty],
            ImportErrorCodes.EmailInvalid => t["{0} '{1}' is not a valid email address", field, e.Value ?? string.Empty],
            ImportErrorCodes.DateInvalid => t["{0} '{1}' is not a date dd/mm/yyyy", field, e.Value ?? string.Empty],
            ImportErrorCodes.DateNotExist => t["{0} '{1}' is a day that does not exist", field, e.Value ?? string.Empty],
            ImportErrorCodes.GenderInvalid => t["{0} '{1}' is not Nam/Nữ/Male/Female", field, e.Value ?? string.Empty],
            ImportErrorCodes.RelationshipUnknown => t["Relationship '{0}' does not exist", e.Value ?? string.Empty],
            ImportErrorCodes.SourceUnknown => t["Source '{0}' does not exist", e.Value ?? string.Empty],
            ImportErrorCodes.GroupUnknown => t["Group '{0}' does not exist", e.Value ?? string.Empty],
            ImportErrorCodes.OwnerUnknown => t["No active user has the login name '{0}'", e.Value ?? string.Empty],
            ImportErrorCodes.TooLong => t["{0} is too long", field],
            ImportErrorCodes.ContactNameRequired => t["The contact name is empty"],
            ImportErrorCodes.NoCustomerAbove => t["A contact row needs a customer row above it"],
            ImportErrorCodes.CustomerAboveFailed => e.Value is null ? t["The customer row above failed"] : t["The customer row above (row {0}) failed", e.Value],
            ImportErrorCodes.DuplicateOfFailed => t["Same code, phone or email as row {0}, which cannot be imported", e.Value ?? string.Empty],
            ImportErrorCodes.PhoneEmailConflict => t["The phone matches customer {0} but the email matches customer {1}",
                e.Value ?? t["a customer you cannot see"], e.Other ?? t["a customer you cannot see"]],
            ImportErrorCodes.NotEditable => t["Matches customer '{0}' that you may not edit", e.Value ?? string.Empty],
            ImportErrorCodes.NotVisible => t["Matches a customer you cannot see"],
            ImportErrorCodes.CodeInTrash => t["Code '{0}' belongs to a customer in the trash", e.Value ?? string.Empty],
            ImportErrorCodes.NumberInvalid => t["{0} '{1}' is not a number", field, e.Value ?? string.Empty],
            ImportErrorCodes.ChoiceInvalid => t["{0} '{1}' is not one of the field's choices", field, e.Value ?? string.Empty],
            _ => e.Code,
        };
    }

    /// <summary>A field's name in the user's language; a custom field's is the name its admin gave (from <paramref name="customNames"/>).</summary>
    public static string FieldName(IStringLocalizer<ImportText> t, ImportField f, IReadOnlyDictionary<int, string>? customNames = null) =>
        f == ImportField.Skip ? t["Skip this field"]
        : ImportFields.TryGetCustomId(f, out var id) ? customNames?.GetValueOrDefault(id) ?? ImportFields.Key(f)
        : t[ImportFields.Of(f).English];

    /// <summary>The user's words for an import or undo that stopped with a domain error (the code's English message otherwise).</summary>
    public static string ErrorText(IStringLocalizer<ImportText> t, string? code, string message) => code switch
    {
        "import.name-unmapped" => t["Map a column to the customer name."],
        "import.owner-inactive" => t["A user chosen to share the customers is no longer active. Go back to the options and choose again."],
        "import.changed-meanwhile" => t["Someone changed one of these customers meanwhile, so nothing was written. Run it again."],
        "import.undo-closed" => t["This import can no longer be undone: it was undone already or is older than 30 days."],
        "import.undo-denied" => t["Only the user who imported, or a user administrator, can undo an import."],
        "import.failed" => t["The import failed; nothing was written."],
        "import.custom-field-unknown" => t["A column goes to a custom field that was deleted meanwhile. Match the columns again."],
        _ => message,
    };

    /// <summary>A count as the user's culture writes it (40.000 in Vietnamese, 40,000 in English).</summary>
    public static string Number(int n) => n.ToString("N0", System.Globalization.CultureInfo.CurrentCulture);

    public static string SkipReason(IStringLocalizer<ImportText> t, string reason, int? row) => reason switch
    {
        ImportSkipReasons.CodeExists => t["The code exists (overwrite is off)"],
        ImportSkipReasons.CustomerExists => t["Phone or email matches an existing customer (update is off)"],
        ImportSkipReasons.DuplicateInFile => t["Duplicate of row {0}", row ?? 0],
        ImportSkipReasons.CustomerAboveSkipped => t["The customer row above was skipped"],
        _ => reason,
    };

    public static string Rejection(IStringLocalizer<ImportText> t, ImportFileRejectedException ex, ImportLimits limits) => ex.Code switch
    {
        FileRejections.Empty => t["The file is empty."],
        FileRejections.TooLarge => t["The file is larger than {0} MB.", (limits.MaxFileBytes / 1048576.0).ToString("0.##", System.Globalization.CultureInfo.CurrentCulture)],
        FileRejections.LegacyXls => t["Old Excel 97-2003 (.xls) files cannot be read. Open it in Excel and save it as .xlsx (Excel Workbook), then upload again."],
        FileRejections.Encrypted => t["The workbook is protected by a password (or is an old .xls file renamed). Remove the password and save it as .xlsx."],
        FileRejections.UnsupportedType => t["Choose an .xlsx, .xls or .csv file."],
        FileRejections.NotWhatItClaims => t["The file is not what its name says (its content is not a spreadsheet of that type)."],
        FileRejections.Corrupt => t["The file is damaged or incomplete and cannot be read."],
        FileRejections.TooMuchInflation => t["The file unpacks to far more data than a customer list can hold; it was refused."],
        FileRejections.TooManyColumns => t["The sheet has more columns than Excel allows (16,384)."],
        FileRejections.CellTooLong => t["A cell is longer than Excel allows (32,767 characters)."],
        FileRejections.TooManyRows => t["The sheet has more rows than Excel allows (1,048,576)."],
        FileRejections.BadEncoding => t["The text file is not UTF-8 or UTF-16. In Excel choose \"CSV UTF-8\" when saving."],
        FileRejections.NoHeader => t["The first sheet has no header row."],
        FileRejections.TooSlow => t["The file took too long to read; it was refused."],
        _ => ex.Code,
    };
}

/// <summary>Files prepared for one user to download once (failed rows), kept for an hour.</summary>
public sealed class ImportDownloads
{
    public sealed record File(string UserId, string FileName, byte[] Bytes, DateTime At);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, File> _files = new();

    public Guid Put(string userId, string fileName, byte[] bytes)
    {
        foreach (var (k, v) in _files)
        {
            if (v.At < DateTime.UtcNow.AddHours(-1))
            {
                _files.TryRemove(k, out _);
            }
        }

        var token = Guid.NewGuid();
        _files[token] = new File(userId, fileName, bytes, DateTime.UtcNow);
        return token;
    }

    public File? Take(Guid token, string? userId) =>
        _files.TryGetValue(token, out var f) && f.UserId == userId ? f : null;
}
