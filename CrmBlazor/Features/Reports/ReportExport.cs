using System.Globalization;
using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using MiniExcelLibs;

namespace CrmBlazor.Features.Reports;

/// <summary>The tables of the reports page, each downloadable as .xlsx.</summary>
public static class ReportTables
{
    public const string Distribution = "distribution";
    public const string NewBySource = "new-by-source";
    public const string Interactions = "interactions";
    public const string Pipeline = "pipeline";
    public const string DontForget = "dont-forget";
    public const string RevenueBySource = "revenue-by-source";
    public const string Conversion = "conversion";
    public const string Buyers = "buyers";

    public static readonly string[] All = [Distribution, NewBySource, Interactions, Pipeline, DontForget, RevenueBySource, Conversion, Buyers];
}

/// <summary>The reports' state in a URL (period, dates, department, owner): the page and its downloads read the same one.</summary>
public static class ReportUrl
{
    public static string For(ReportPeriodKind kind, DateOnly? from, DateOnly? to, int? departmentId, string? ownerId)
    {
        var parts = new List<string>();
        if (kind != ReportPeriodKind.ThisMonth)
        {
            parts.Add("period=" + Name(kind));
        }

        if (kind == ReportPeriodKind.Custom && from is DateOnly f && to is DateOnly t)
        {
            parts.Add("from=" + f.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            parts.Add("to=" + t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (departmentId is int d)
        {
            parts.Add("department=" + d.ToString(CultureInfo.InvariantCulture));
        }

        if (!string.IsNullOrEmpty(ownerId))
        {
            parts.Add("owner=" + Uri.EscapeDataString(ownerId));
        }

        return parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);
    }

    public static string Name(ReportPeriodKind kind) => char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..];

    public static ReportPeriodKind Kind(string? text) =>
        Enum.GetValues<ReportPeriodKind>().FirstOrDefault(k => string.Equals(Name(k), text, StringComparison.OrdinalIgnoreCase));

    public static DateOnly? Day(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;
}

public static class ReportEndpoints
{
    /// <summary>GET /reports/export/{table}?period=…: one table of the reports as .xlsx, with the page's rights and scope.</summary>
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/reports/export/{table}", async (string table, HttpContext http, ReportService reports, IDbContextFactory<CrmDbContext> dbFactory,
            TimeProvider clock, IStringLocalizer<ReportsText> t, IStringLocalizer<SharedResource> l, CancellationToken ct) =>
        {
            if (!ReportTables.All.Contains(table))
            {
                return Results.NotFound();
            }

            var userId = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
            var user = userId is null ? null : await CurrentUser.LoadAsync(dbFactory, userId, ct);
            if (user is null)
            {
                return Results.Unauthorized();
            }

            var q = http.Request.Query;
            var today = DateOnly.FromDateTime(UserTime.ToLocal(clock.GetUtcNow().UtcDateTime, user.TimeZone));
            var department = int.TryParse(q["department"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : (int?)null;
            var filter = new ReportFilter(ReportPeriod.Of(ReportUrl.Kind(q["period"]), today, ReportUrl.Day(q["from"]), ReportUrl.Day(q["to"])),
                department, string.IsNullOrEmpty(q["owner"]) ? null : q["owner"].ToString());
            ReportData data;
            try
            {
                data = await reports.LoadAsync(user, filter, ct);
            }
            catch (AccessDeniedException)
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }

            var rows = Rows(table, data, t, l);
            using var buffer = new MemoryStream();
            await buffer.SaveAsAsync(rows, printHeader: true, sheetName: Sheet(t[Title(table)]), excelType: ExcelType.XLSX, cancellationToken: ct);
            var name = $"bao-cao-{table}-{filter.Period.From:yyyyMMdd}-{filter.Period.To:yyyyMMdd}.xlsx";
            return Results.File(buffer.ToArray(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name);
        }).RequireAuthorization();
        return app;
    }

    public static string Title(string table) => table switch
    {
        ReportTables.Distribution => "Distribution over relationships",
        ReportTables.NewBySource => "New customers per source",
        ReportTables.Interactions => "Interactions",
        ReportTables.Pipeline => "Pipeline movement",
        ReportTables.RevenueBySource => "Orders and revenue per source",
        ReportTables.Conversion => "Conversion by source",
        ReportTables.Buyers => "Bought once, bought again",
        _ => "Don't forget, per owner",
    };

    /// <summary>Excel sheet names: at most 31 characters, none of []:*?/\.</summary>
    private static string Sheet(string title)
    {
        var clean = new string(title.Where(c => "[]:*?/\\".IndexOf(c, StringComparison.Ordinal) < 0).ToArray());
        return clean.Length > 31 ? clean[..31] : clean;
    }

    /// <summary>The table's rows with headers in the reader's language; numbers stay numbers (Excel sums them).</summary>
    internal static List<Dictionary<string, object?>> Rows(string table, ReportData d, IStringLocalizer t, IStringLocalizer l)
    {
        string Owner(OwnerCount o) => o.OwnerId is null ? l["Unassigned"] : o.Owner;
        string Source(int? id, string name) => id is null ? t["(no source)"].Value : name;
        return table switch
        {
            ReportTables.Distribution => d.Distribution.Select(r => new Dictionary<string, object?>
            {
                [l["Relationship"]] = r.Relationship, [t["Customers"]] = r.Count, ["%"] = r.Percent,
            }).ToList(),
            ReportTables.NewBySource => d.NewBySource.Select(s => new Dictionary<string, object?>
            {
                [t["Source"]] = Source(s.SourceId, s.Source), [t["New customers"]] = s.Count,
            }).ToList(),
            ReportTables.Interactions => d.InteractionsByOwner.Select(o => new Dictionary<string, object?>
            {
                [l["Owner"]] = Owner(o), [t["kind." + ReportService.CommentsKind]] = o.Count,
            }).ToList(),
            ReportTables.Pipeline => d.Pipeline.Select(p => new Dictionary<string, object?>
            {
                [l["Relationship"]] = p.Relationship, [t["Entered"]] = p.Entered, [t["Stays ended"]] = p.StaysEnded, [t["Median days"]] = p.MedianDays,
            }).ToList(),
            // Money stays a number in VND (the header says so): Excel sums and formats it.
            ReportTables.RevenueBySource => d.RevenueBySource.Select(s => new Dictionary<string, object?>
            {
                [t["Source"]] = Source(s.SourceId, s.Source), [t["Orders"]] = s.Orders, [t["Revenue (₫)"]] = s.Revenue,
            }).ToList(),
            ReportTables.Conversion => d.ConversionBySource.Select(s => new Dictionary<string, object?>
            {
                [t["Source"]] = Source(s.SourceId, s.Source), [t["New customers"]] = s.NewCustomers, [t["Paying"]] = s.Paying, ["%"] = s.Percent,
            }).ToList(),
            ReportTables.Buyers => d.Buyers.Select(b => new Dictionary<string, object?>
            {
                [t["Bought"]] = t["bought." + b.Kind].Value, [t["Customers"]] = b.Customers, ["%"] = b.Percent,
            }).ToList(),
            _ => d.DontForgetByOwner.Select(o => new Dictionary<string, object?>
            {
                [l["Owner"]] = Owner(o), [t["Customers"]] = o.Count,
            }).ToList(),
        };
    }
}
