using System.Text.RegularExpressions;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Orders;
using CrmBlazor.Security;
using CrmBlazor.Tests.EndToEnd.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MiniExcelLibs;

namespace CrmBlazor.Tests.EndToEnd;

/// <summary>
/// R8 (#24) in Chromium, with the mouse: a manager with the "view KPI" right opens the reports from the navigation, clicks a
/// bar of the relationship distribution and lands on exactly those customers in the list; orders show as revenue in VND; a table downloads as .xlsx; a
/// stage change elsewhere reaches the open report without a reload. A salesperson without the right has no link and
/// is refused.
/// </summary>
public sealed class ReportsEndToEndTests : BrowserAppTest
{
    private static string Artifact(string name) => Path.Combine(Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts")).FullName, name);

    private async Task<IPage> SignedInAsync(IBrowserContext context, string login)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(page, App.ServerAddress, login, CustomerGridAppData.Password);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/login"), new() { Timeout = 30_000 });
        // The page interactive before the menu is clicked (as the other browser tests wait): under the full suite's load a
        // click on "Báo cáo" before the circuit was up once went nowhere.
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        return page;
    }

    [Fact]
    public async Task A_bar_of_the_distribution_opens_the_filtered_list_and_figures_follow_changes_live()
    {
        var boss = await CustomerGridAppData.AddUserAsync(App, "giamdoc", "Trần Giám Đốc", Rights.All);
        var lan = await CustomerGridAppData.AddUserAsync(App, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        int quoted;
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            quoted = await db.Relationships.OrderBy(r => r.Position).Skip(3).Select(r => r.Id).FirstAsync();
        }

        var ids = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await CustomerGridAppData.AddCustomerAsync(App, $"Khách báo cáo {i}", $"091277700{i}", lan));
        }

        var me = (await CurrentUser.LoadAsync(App.DbFactory, lan))!;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var customers = scope.ServiceProvider.GetRequiredService<CustomerService>();
            foreach (var id in ids.Take(2))
            {
                Assert.Equal(SaveStatus.Saved, (await customers.SaveFieldAsync(me, id, GridFields.Relationship, quoted.ToString(System.Globalization.CultureInfo.InvariantCulture), 1)).Status);
            }

            // Orders: one customer buys twice, one pays a deposit; the order sections show them in VND.
            var orders = scope.ServiceProvider.GetRequiredService<OrderService>();
            foreach (var (id, total, paid) in new[] { (ids[0], 1_500_000m, 1_500_000m), (ids[0], 700_000m, 700_000m), (ids[1], 2_000_000m, 300_000m) })
            {
                var input = new OrderInput { Total = total, Status = paid == total ? OrderStatus.Paid : OrderStatus.Confirmed, AmountPaid = paid };
                Assert.Equal(SaveStatus.Saved, (await orders.CreateAsync(me, id, input)).Status);
            }
        }

        await using var context = await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1440, Height = 1000 } });
        var page = await SignedInAsync(context, "giamdoc");
        // Exact: the customers' own links ("Khách báo cáo …") hold the words too once the list behind the menu shows them.
        await page.GetByRole(AriaRole.Link, new() { Name = "Báo cáo", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/reports$"));
        // Every figure is counted before the page's first render goes live: on a loaded machine that took over 5 s.
        await Assertions.Expect(page.Locator("[data-testid=reports][data-live=on]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var distribution = page.GetByTestId("report-distribution");
        var quotedRow = distribution.Locator("tr", new() { HasText = "Đã báo giá" });
        await Assertions.Expect(quotedRow.Locator("td.num").First).ToHaveTextAsync("2");
        await Assertions.Expect(distribution.Locator("tr", new() { HasText = "Tổng" })).ToContainTextAsync("5");
        await Assertions.Expect(page.GetByTestId("report-revenue-by-source").Locator("tr", new() { HasText = "Tổng" })).ToContainTextAsync("2.500.000 ₫");
        await Assertions.Expect(page.GetByTestId("report-buyers").Locator("tr", new() { HasText = "Mua lại" })).ToContainTextAsync("1");
        await page.ScreenshotAsync(new() { Path = Artifact("reports.png"), FullPage = true });

        // Live: a third customer quoted elsewhere; the open report follows without a reload.
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var customers = scope.ServiceProvider.GetRequiredService<CustomerService>();
            Assert.Equal(SaveStatus.Saved, (await customers.SaveFieldAsync(me, ids[2], GridFields.Relationship, quoted.ToString(System.Globalization.CultureInfo.InvariantCulture), 1)).Status);
        }

        await Assertions.Expect(quotedRow.Locator("td.num").First).ToHaveTextAsync("3", new() { Timeout = 15_000 });

        // The table downloads as .xlsx with the same figures.
        var download = await page.RunAndWaitForDownloadAsync(() =>
            distribution.GetByRole(AriaRole.Link, new() { Name = "Tải bảng này (.xlsx): Phân bổ theo mối quan hệ" }).ClickAsync());
        var file = Path.Combine(Path.GetTempPath(), $"crm-report-{Guid.NewGuid():N}.xlsx");
        await download.SaveAsAsync(file);
        var rows = MiniExcel.Query(file, useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
        File.Delete(file);
        var row = Assert.Single(rows, r => (string?)r["Mối quan hệ"] == "Đã báo giá");
        Assert.Equal(3, Convert.ToInt32(row["Khách hàng"], System.Globalization.CultureInfo.InvariantCulture));

        // The bar of "Đã báo giá" (fourth stage), clicked with the mouse, opens those customers in the list.
        var bar = page.Locator("[data-testid=distribution-chart] path.mud-chart-bar").Nth(3);
        var box = (await bar.BoundingBoxAsync())!;
        await page.Mouse.ClickAsync(box.X + (box.Width / 2), box.Y + (box.Height / 2));
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/customers\\?relationship={quoted}$"));
        await Assertions.Expect(page.Locator("[data-testid=customer-grid] tbody tr", new() { HasText = "Khách báo cáo" })).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Khách báo cáo 4" })).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Artifact("reports-bar-to-list.png") });
    }

    [Fact]
    public async Task Without_the_view_KPI_right_there_is_no_link_and_the_page_and_download_are_refused()
    {
        await CustomerGridAppData.AddUserAsync(App, "binh", "Lê Văn Bình", Rights.SalesDefault);
        await using var context = await Browser.NewContextAsync(new() { Locale = "vi-VN" });
        var page = await SignedInAsync(context, "binh");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Khách hàng" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Báo cáo", Exact = true })).ToHaveCountAsync(0);
        await page.GotoAsync(App.ServerAddress + "/reports");
        await Assertions.Expect(page.GetByText("Báo cáo: xem KPI")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("reports")).ToHaveCountAsync(0);
        var response = await page.APIRequest.GetAsync(App.ServerAddress + "/reports/export/distribution");
        Assert.Equal(403, response.Status);
    }
}
