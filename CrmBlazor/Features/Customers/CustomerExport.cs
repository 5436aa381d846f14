using System.Globalization;
using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

/// <summary>
/// Export of the current filter (needs the download right, R7.2) to .xlsx or .csv with MiniExcel. Rows are read a page at
/// a time (keyset on Id) and written to a temporary file, so memory stays flat whatever the size; headers are Vietnamese,
/// one column per custom field (R1.3) follows the built-in ones, and text that a spreadsheet would run as a formula is
/// neutralised: in .xlsx a text cell with Excel's quote-prefix style (<see cref="XlsxQuotePrefix"/>, no visible apostrophe),
/// in .csv a leading apostrophe (<see cref="Safe"/>), which the import removes again (issue 21: export → import is exact).
/// </summary>
public sealed partial class CustomerService
{
    public const int ExportPageSize = 2000;

    public static readonly string[] ExportHeaders =
    [
        "Mã khách hàng", "Tên khách hàng", "Điện thoại", "Email", "Địa chỉ", "Ngày sinh", "Giới tính", "Mối quan hệ", "Nguồn",
        "Người phụ trách", "Ngày tạo", "Liên hệ lần cuối",
    ];

    /// <summary>The rows of the export, page by page (never the whole table in memory); formula-like text as CSV writes it
    /// (<see cref="Safe"/>), or as it is for .xlsx (<paramref name="csv"/> false), whose cells are then quote-prefixed.</summary>
    public IEnumerable<CustomerExportRow> ExportRows(UserAccess user, CustomerListQuery query, bool csv = true)
    {
        Require(user, Rights.CustomersExport, "export customers");
        return Pages(user, query, csv ? Safe : AsIs);
    }

    private static string AsIs(string? value) => value ?? string.Empty;

    private IEnumerable<CustomerExportRow> Pages(UserAccess user, CustomerListQuery query, Func<string?, string> text)
    {
        var zone = user.TimeZone;
        var lastId = 0;
        while (true)
        {
            List<CustomerRow> page;
            Dictionary<int, Dictionary<int, string>> custom;
            using (var db = dbFactory.CreateDbContext())
            {
                var from = lastId;
                page = Project(db, Filter(db, user, query).Where(c => c.Id > from).OrderBy(c => c.Id).Take(ExportPageSize)).AsNoTracking().ToList();
                var ids = page.Select(r => r.Id).ToList();
                custom = ids.Count == 0 ? [] : db.CustomFieldValues.AsNoTracking().Where(v => ids.Contains(v.CustomerId)).AsEnumerable()
                    .GroupBy(v => v.CustomerId).ToDictionary(g => g.Key, g => g.ToDictionary(v => v.FieldId, v => v.Value));
            }

            if (page.Count == 0)
            {
                yield break;
            }

            foreach (var r in page)
            {
                yield return new CustomerExportRow
                {
                    Code = text(r.Code),
                    Name = text(r.Name),
                    Phone = text(PhoneNormalizer.ToDisplay(r.Phone)),
                    Email = text(r.Email),
                    Address = text(r.Address),
                    Birthday = VnDate.ToText(r.Birthday),
                    Gender = r.Gender == Gender.Unknown ? string.Empty : GenderWords.ToVietnamese(r.Gender),
                    Relationship = text(r.RelationshipName),
                    Source = text(r.SourceName),
                    Owner = text(r.OwnerName),
                    Created = UserTime.Date(r.CreatedAt, zone),
                    LastContact = r.LastContactAt is null ? string.Empty : UserTime.Date(r.LastContactAt, zone),
                    Custom = custom.TryGetValue(r.Id, out var values) ? values : Empty,
                };
            }

            lastId = page[^1].Id;
        }
    }

    /// <summary>Writes the export to <paramref name="path"/>; returns the number of rows.</summary>
    public async Task<int> ExportToFileAsync(UserAccess user, CustomerListQuery query, string path, bool csv, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersExport, "export customers");
        var fields = (await LookupsAsync(ct)).CustomFields;
        var count = 0;
        var quoted = false;
        var rows = ExportRows(user, query, csv).Select(r =>
        {
            count++;
            quoted |= !csv && NeedsQuotePrefix(r);
            return r;
        });
        var type = csv ? ExcelType.CSV : ExcelType.XLSX;
        await Task.Run(() =>
        {
            if (fields.Count == 0)
            {
                MiniExcel.SaveAs(path, rows, printHeader: true, excelType: type, overwriteFile: true);
                return;
            }

            // A column per custom field: rows as dictionaries (their first row names the columns; an empty list keeps the
            // built-in headers only).
            using var each = rows.GetEnumerator();
            if (!each.MoveNext())
            {
                MiniExcel.SaveAs(path, Array.Empty<CustomerExportRow>(), printHeader: true, excelType: type, overwriteFile: true);
                return;
            }

            var columns = CustomColumns(fields);
            MiniExcel.SaveAs(path, Rest(each).Select(r => ToColumns(r, columns, csv)), printHeader: true, excelType: type, overwriteFile: true);
        }, ct);
        if (quoted)
        {
            await Task.Run(() => XlsxQuotePrefix.Apply(path), ct);
        }

        logger?.LogInformation("User {User} exported {Count} customers.", user.UserName, count);
        return count;
    }

    private static readonly Dictionary<int, string> Empty = [];

    /// <summary>The current element of <paramref name="each"/> and the rest after it.</summary>
    private static IEnumerable<T> Rest<T>(IEnumerator<T> each)
    {
        do
        {
            yield return each.Current;
        }
        while (each.MoveNext());
    }

    /// <summary>The custom fields' column headers: their names, made distinct from the built-in headers and each other.</summary>
    private static List<(int Id, string Header, bool IsNumber)> CustomColumns(IReadOnlyList<CustomFieldInfo> fields)
    {
        var taken = new HashSet<string>(ExportHeaders, StringComparer.OrdinalIgnoreCase);
        var columns = new List<(int, string, bool)>();
        foreach (var f in fields)
        {
            var header = f.Name;
            for (var n = 2; !taken.Add(header); n++)
            {
                header = $"{f.Name} ({n})";
            }

            columns.Add((f.Id, header, f.Kind == Domain.CustomFields.CustomFieldKind.Number));
        }

        return columns;
    }

    private static bool NeedsQuotePrefix(CustomerExportRow r) =>
        XlsxQuotePrefix.IsFormulaLike(r.Code) || XlsxQuotePrefix.IsFormulaLike(r.Name) || XlsxQuotePrefix.IsFormulaLike(r.Phone)
        || XlsxQuotePrefix.IsFormulaLike(r.Email) || XlsxQuotePrefix.IsFormulaLike(r.Address) || XlsxQuotePrefix.IsFormulaLike(r.Relationship)
        || XlsxQuotePrefix.IsFormulaLike(r.Source) || XlsxQuotePrefix.IsFormulaLike(r.Owner) || r.Custom.Values.Any(XlsxQuotePrefix.IsFormulaLike);

    private static Dictionary<string, object> ToColumns(CustomerExportRow r, List<(int Id, string Header, bool IsNumber)> custom, bool csv)
    {
        var row = new Dictionary<string, object>(ExportHeaders.Length + custom.Count)
        {
            [ExportHeaders[0]] = r.Code, [ExportHeaders[1]] = r.Name, [ExportHeaders[2]] = r.Phone, [ExportHeaders[3]] = r.Email,
            [ExportHeaders[4]] = r.Address, [ExportHeaders[5]] = r.Birthday, [ExportHeaders[6]] = r.Gender, [ExportHeaders[7]] = r.Relationship,
            [ExportHeaders[8]] = r.Source, [ExportHeaders[9]] = r.Owner, [ExportHeaders[10]] = r.Created, [ExportHeaders[11]] = r.LastContact,
        };
        foreach (var (id, header, isNumber) in custom)
        {
            var value = r.Custom.GetValueOrDefault(id);
            // A number field's value is a number cell (its stored form has a dot and no grouping); text is neutralised.
            row[header] = isNumber && decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var number) ? number
                : csv ? Safe(value) : AsIs(value);
        }

        return row;
    }

    /// <summary>
    /// Formula injection in CSV: a cell starting with = + - @ tab or CR gets a leading apostrophe, which the import removes
    /// (<see cref="Import.ImportFileReader"/>). Text that already starts with an apostrophe before one of those gets one more,
    /// so that the import's removal gives back exactly the text exported.
    /// </summary>
    public static string Safe(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        return XlsxQuotePrefix.IsFormulaLike(value) || (value[0] == '\'' && XlsxQuotePrefix.IsFormulaLike(value[1..])) ? "'" + value : value;
    }
}

/// <summary>One exported row; the column names are the Vietnamese headers.</summary>
public sealed class CustomerExportRow
{
    [ExcelColumnName("Mã khách hàng")] public string Code { get; init; } = string.Empty;
    [ExcelColumnName("Tên khách hàng")] public string Name { get; init; } = string.Empty;
    [ExcelColumnName("Điện thoại")] public string Phone { get; init; } = string.Empty;
    [ExcelColumnName("Email")] public string Email { get; init; } = string.Empty;
    [ExcelColumnName("Địa chỉ")] public string Address { get; init; } = string.Empty;
    [ExcelColumnName("Ngày sinh")] public string Birthday { get; init; } = string.Empty;
    [ExcelColumnName("Giới tính")] public string Gender { get; init; } = string.Empty;
    [ExcelColumnName("Mối quan hệ")] public string Relationship { get; init; } = string.Empty;
    [ExcelColumnName("Nguồn")] public string Source { get; init; } = string.Empty;
    [ExcelColumnName("Người phụ trách")] public string Owner { get; init; } = string.Empty;
    [ExcelColumnName("Ngày tạo")] public string Created { get; init; } = string.Empty;
    [ExcelColumnName("Liên hệ lần cuối")] public string LastContact { get; init; } = string.Empty;
    /// <summary>Custom field values by field id (R1.3): columns of their own in <see cref="CustomerService.ExportToFileAsync"/>.</summary>
    [ExcelIgnore] public IReadOnlyDictionary<int, string> Custom { get; init; } = new Dictionary<int, string>();
}

public static class CustomerEndpoints
{
    /// <summary>GET /customers/export?format=xlsx|csv&amp;search=…&amp;relationship=…: the current filter, checked for the right and the scope.</summary>
    /// <summary>The signed-in user when they hold the customers right and <paramref name="right"/>; else the answer: 401, or a
    /// plain 403 (the cookie scheme's Forbid would redirect to the login page).</summary>
    private static async Task<(UserAccess? User, IResult? Refused)> SignedInWithAsync(HttpContext http, IDbContextFactory<CrmDbContext> dbFactory,
        Rights right, CancellationToken ct)
    {
        var id = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        var user = id is null ? null : await CurrentUser.LoadAsync(dbFactory, id, ct);
        if (user is null)
        {
            return (null, Results.Unauthorized());
        }

        return user.Has(Rights.CustomersAccess) && user.Has(right) ? (user, null) : (null, Results.StatusCode(StatusCodes.Status403Forbidden));
    }

    public static IEndpointRouteBuilder MapCustomerEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/customers/export", async (HttpContext http, CustomerService customers, IDbContextFactory<CrmDbContext> dbFactory, CancellationToken ct) =>
        {
            var (user, refused) = await SignedInWithAsync(http, dbFactory, Rights.CustomersExport, ct);
            if (user is null)
            {
                return refused!;
            }

            var csv = string.Equals(http.Request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase);
            // The list the user sees, read by the list's own codec (paging aside: the export is the whole list).
            var query = CustomerListUrl.Parse(http.Request.Query, out _) with { Page = 0 };
            var path = Path.Combine(Path.GetTempPath(), $"crm-export-{Guid.NewGuid():N}.{(csv ? "csv" : "xlsx")}");
            await customers.ExportToFileAsync(user, query, path, csv, ct);
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            var name = $"khach-hang-{DateTime.UtcNow:yyyyMMdd-HHmm}.{(csv ? "csv" : "xlsx")}";
            return Results.File(stream, csv ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name);
        }).RequireAuthorization();

        // GET /customers/{id}/data-export: one customer's data as a zip (#26), purge right and scope; 404 when not visible.
        app.MapGet("/customers/{id:int}/data-export", async (int id, HttpContext http, CustomerService customers, IDbContextFactory<CrmDbContext> dbFactory,
            CancellationToken ct) =>
        {
            var (user, refused) = await SignedInWithAsync(http, dbFactory, Rights.CustomersPurge, ct);
            if (user is null)
            {
                return refused!;
            }

            var path = Path.Combine(Path.GetTempPath(), $"crm-customer-data-{Guid.NewGuid():N}.zip");
            bool found;
            await using (var file = File.Create(path))
            {
                found = await customers.ExportDataAsync(user, id, file, ct);
            }

            if (!found)
            {
                File.Delete(path);
                return Results.NotFound();
            }

            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            return Results.File(stream, "application/zip", $"khach-hang-{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}-du-lieu.zip");
        }).RequireAuthorization();

        // GET /customers/{id}/avatar/{file}: a customer's avatar (R1.1), only to users who may see the customer (404 otherwise,
        // and for a file that is not this customer's current avatar).
        app.MapGet("/customers/{id:int}/avatar/{file}", async (int id, string file, HttpContext http, AvatarStore avatars,
            IDbContextFactory<CrmDbContext> dbFactory, CancellationToken ct) =>
        {
            var userId = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
            var user = userId is null ? null : await CurrentUser.LoadAsync(dbFactory, userId, ct);
            if (user is null)
            {
                return Results.Unauthorized();
            }

            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var url = await CustomerScope.Visible(db, user).Where(c => c.Id == id).Select(c => c.AvatarUrl).FirstOrDefaultAsync(ct);
            if (AvatarStore.FileOf(id, url) != file || avatars.Open(file) is not { } content)
            {
                return Results.NotFound();
            }

            // A file name is never reused: the browser may keep it (for this user only).
            http.Response.Headers.CacheControl = "private, max-age=86400";
            return Results.Stream(content, "image/webp");
        }).RequireAuthorization();
        return app;
    }

    /// <summary>The customer feature's services.</summary>
    public static IServiceCollection AddCustomersFeature(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>().GetSection("Customers").Get<CustomerOptions>() ?? new CustomerOptions());
        services.AddSingleton<AvatarStore>();
        services.AddScoped<CustomerService>();
        services.AddScoped<Orders.OrderService>();
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>().GetSection("Automation").Get<Automation.AutomationOptions>()
            ?? new Automation.AutomationOptions());
        services.AddScoped<Automation.AutomationService>();
        services.AddSingleton<Automation.AutomationEngine>();
        services.AddSingleton<Automation.AutomationWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<Automation.AutomationWorker>());
        services.AddScoped<SavedViewService>();
        services.AddScoped<CustomFields.CustomFieldService>();
        services.AddHostedService<TrashPurgeJob>();
        return services;
    }
}
