using System.Globalization;
using System.Security.Claims;
using Bunit;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Reports;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Tests.Components.Reports;

/// <summary>
/// R8 (#24): the reports page renders the order figures — revenue per source in VND, conversion by source, bought once or
/// again — each with its table and download, in Vietnamese; a reader with nothing in the period sees the empty state.
/// (The figures themselves are checked against an oracle in ReportOracleTests.)
/// </summary>
public sealed class ReportsPageTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase _db = null!;
    private StaffProfile _boss = null!;
    private StaffProfile _newcomer = null!;

    public ReportsPageTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var managers = await _db.AddPermissionGroupAsync("Giám đốc", Rights.All);
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh KPI", Rights.SalesDefault | Rights.ViewKpi);
        _boss = await _db.AddUserAsync("giamdoc", "Trần Giám Đốc", root.Id, managers.Id);
        _newcomer = await _db.AddUserAsync("moi", "Lê Văn Mới", root.Id, sales.Id);
        var stage = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        var twice = await _db.AddCustomerAsync("Đặng Văn Đức", "0912345678", stage, _boss.Id);
        var once = await _db.AddCustomerAsync("Trần Thị Ánh", "0987000111", stage, _boss.Id);
        await _db.AddCustomerAsync("Phạm Văn Chưa", "0987000222", stage, _boss.Id);
        var today = DateOnly.FromDateTime(UserTime.ToLocal(DateTime.UtcNow));
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var facebook = new Source("Facebook", 0);
            db.Sources.Add(facebook);
            await db.SaveChangesAsync();
            await db.Customers.Where(c => c.Id == twice.Id || c.Id == once.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.SourceId, facebook.Id));
            var now = DateTime.UtcNow;
            db.Orders.AddRange(
                Order.Create(twice.Id, today, null, 1_500_000m, OrderStatus.Paid, 0, null, _boss.Id, now),
                Order.Create(twice.Id, today, null, 2_000_000m, OrderStatus.Confirmed, 500_000m, null, _boss.Id, now),
                Order.Create(once.Id, today, null, 700_000m, OrderStatus.Paid, 0, null, _boss.Id, now));
            var cancelled = Order.Create(once.Id, today, null, 9_000_000m, OrderStatus.Confirmed, 1_000_000m, null, _boss.Id, now);
            cancelled.ChangeStatus(OrderStatus.Cancelled, _boss.Id, now);
            db.Orders.Add(cancelled);
            await db.SaveChangesAsync();
        }

        Services.AddSingleton(_db.Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton(new CustomerOptions());
        Services.AddScoped<CurrentUser>();
        Services.AddReportsFeature();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    private IRenderedComponent<ReportsPage> RenderAs(StaffProfile user)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(user.UserName);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id));
        var cut = Render<ReportsPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=reports]")), TimeSpan.FromSeconds(10));
        return cut;
    }

    private static string[] Cells(IRenderedComponent<ReportsPage> cut, string section, string rowText) =>
        cut.Find($"[data-testid={section}]").QuerySelectorAll("tr").First(r => r.TextContent.Contains(rowText, StringComparison.Ordinal))
            .QuerySelectorAll("td,th").Select(c => c.TextContent.Trim()).ToArray();

    [Fact]
    public void The_order_sections_show_revenue_in_VND_conversion_and_repeat_buyers_with_their_downloads()
    {
        var cut = RenderAs(_boss);

        // Three orders not cancelled; the cancelled one's 1,000,000 received no longer counts, the deposit of 500,000 does.
        Assert.Equal(["Facebook", "3", "2.700.000 ₫"], Cells(cut, "report-revenue-by-source", "Facebook"));
        Assert.Equal(["Tổng", "3", "2.700.000 ₫"], Cells(cut, "report-revenue-by-source", "Tổng"));
        Assert.Equal(["Facebook", "2", "2", "100,0"], Cells(cut, "report-conversion", "Facebook"));
        Assert.Equal(["(không có nguồn)", "1", "0", "0,0"], Cells(cut, "report-conversion", "không có nguồn"));
        Assert.Equal(["Tổng", "3", "2", "66,7"], Cells(cut, "report-conversion", "Tổng"));
        Assert.Equal(["Mua một lần", "1", "50,0"], Cells(cut, "report-buyers", "Mua một lần"));
        Assert.Equal(["Mua lại (từ 2 đơn)", "1", "50,0"], Cells(cut, "report-buyers", "Mua lại"));
        foreach (var (section, table) in new[] { ("report-revenue-by-source", ReportTables.RevenueBySource), ("report-conversion", ReportTables.Conversion), ("report-buyers", ReportTables.Buyers) })
        {
            var s = cut.Find($"[data-testid={section}]");
            Assert.NotNull(s.QuerySelector("svg"));
            Assert.Equal($"reports/export/{table}", s.QuerySelector("a[href^='reports/export/']")!.GetAttribute("href"));
        }
    }

    [Fact]
    public async Task The_order_tables_download_with_money_and_counts_as_numbers()
    {
        var me = (await CurrentUser.LoadAsync(_db.Factory, _boss.Id))!;
        var today = DateOnly.FromDateTime(UserTime.ToLocal(DateTime.UtcNow));
        var data = await Services.GetRequiredService<ReportService>().LoadAsync(me, new ReportFilter(ReportPeriod.Of(ReportPeriodKind.ThisMonth, today)));
        var t = Services.GetRequiredService<IStringLocalizer<ReportsText>>();
        var l = Services.GetRequiredService<IStringLocalizer<SharedResource>>();

        var revenue = Assert.Single(ReportEndpoints.Rows(ReportTables.RevenueBySource, data, t, l));
        Assert.Equal(("Facebook", 3, 2_700_000m), ((string?)revenue["Nguồn"], (int?)revenue["Đơn hàng"], (decimal?)revenue["Doanh thu (₫)"]));
        var conversion = ReportEndpoints.Rows(ReportTables.Conversion, data, t, l).Single(r => (string?)r["Nguồn"] == "Facebook");
        Assert.Equal((2, 2, 100.0), ((int?)conversion["Khách hàng mới"], (int?)conversion["Đã mua"], (double?)conversion["%"]));
        var buyers = ReportEndpoints.Rows(ReportTables.Buyers, data, t, l);
        Assert.Equal(["Mua một lần", "Mua lại (từ 2 đơn)"], buyers.Select(r => (string?)r["Số lần mua"]));
        Assert.Equal([1, 1], buyers.Select(r => (int?)r["Khách hàng"]));
    }

    [Fact]
    public void A_reader_without_customers_sees_the_empty_state_in_the_order_sections()
    {
        var cut = RenderAs(_newcomer);
        foreach (var section in new[] { "report-revenue-by-source", "report-conversion", "report-buyers" })
        {
            Assert.NotNull(cut.Find($"[data-testid={section}] [data-testid=report-empty]"));
        }
    }
}
