using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd.Orders;

/// <summary>
/// Seed 001's example rule at work (R2.6d, R4.4): a salesperson creates an order with the mouse on a customer's orders tab;
/// the value shows it once paid, and a manager's open board sees the customer's card move to "Đã mua hàng" by itself.
/// </summary>
public sealed class OrderAutomationEndToEndTests() : BrowserAppTest(new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Demo:Customers"] = "40" })
{
    private const string Purchased = "Đã mua hàng";

    private static ILocator Column(IPage page, string name) =>
        page.GetByTestId("board-column").Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true }) });

    [Fact]
    public async Task The_comment_boxs_order_shortcut_opens_the_order_form_and_a_comment_draft_survives_the_tab_switch()
    {
        // The detail renders only the active tab (memory per circuit, #25); the comment stream is kept alive beside them.
        int customerId;
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            var lan = await db.Users.Where(u => u.UserName == "lan.nguyen").Select(u => u.Id).SingleAsync();
            customerId = await db.Customers.Where(c => c.OwnerId == lan && !c.IsDeleted).OrderByDescending(c => c.Id).Select(c => c.Id).FirstAsync();
        }

        var page = await SignInAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        await page.GotoAsync($"{App.ServerAddress}/customers/{customerId}");
        await Assertions.Expect(page.Locator(".stream[data-interactive=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.GetByTestId("comment-box").FillAsync("Bản nháp chưa gửi");

        await page.GetByTestId("comment-new-order").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Đơn hàng" })).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(page.GetByTestId("comment-box")).ToBeHiddenAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Hủy" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("no-orders")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Tab, new() { Name = "Trao đổi" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("comment-box")).ToHaveValueAsync("Bản nháp chưa gửi");
        // Back on the orders tab by hand, the form does not open again by itself.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Đơn hàng" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("no-orders")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await Screenshot(page, "detail-orders-tab-after-shortcut.png");

        // The header's buttons name themselves on hover (CSS tooltips, .tip in app.css).
        await page.GetByRole(AriaRole.Tab, new() { Name = "Trao đổi" }).ClickAsync();
        var copy = page.GetByRole(AriaRole.Button, new() { Name = "Sao chép liên kết" });
        await Assertions.Expect(page.Locator($".tip[data-tip='Sao chép liên kết']")).ToHaveCountAsync(1);
        await copy.HoverAsync();
        await page.WaitForTimeoutAsync(600);
        await Screenshot(page, "detail-header-tooltip.png");

        // The drawer's links (plain markup since #25) mark the page they lead to, and follow a click.
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Điều hướng chính" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Khách hàng" })).ToHaveAttributeAsync("aria-current", "page");
        await nav.GetByRole(AriaRole.Link, new() { Name = "Bảng quy trình" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/board$"));
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Bảng quy trình" })).ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Khách hàng" })).Not.ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Bảng quy trình" })).ToHaveClassAsync(new Regex("\\bactive\\b"));
    }

    [Fact]
    public async Task An_order_created_with_the_mouse_moves_the_card_on_another_users_board()
    {
        int customerId, purchasedId;
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            purchasedId = await db.Relationships.Where(r => r.Name == Purchased).Select(r => r.Id).SingleAsync();
            var lan = await db.Users.Where(u => u.UserName == "lan.nguyen").Select(u => u.Id).SingleAsync();
            var admin = await db.Users.Where(u => u.UserName == DatabaseInitializer.AdminUserName).Select(u => u.Id).SingleAsync();
            customerId = await db.Customers.Where(c => c.OwnerId == lan && c.RelationshipId != purchasedId && !c.IsDeleted).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
            // The manager activated the template "order created → Purchased".
            db.AutomationRules.Add(AutomationRule.Create("Khi tạo đơn hàng, chuyển sang Đã mua hàng", AutomationTrigger.OrderCreated, null,
                new AutomationConditions(), [new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: purchasedId)], true, admin, DateTime.UtcNow));
            await db.SaveChangesAsync();
        }

        var manager = await SignInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await manager.GotoAsync(App.ServerAddress + "/board");
        await Assertions.Expect(manager.GetByTestId("board-toolbar")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = 30_000 });
        var card = manager.Locator($"[data-testid=board-card][data-customer='{customerId}']");
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(Column(manager, Purchased).Locator($"[data-customer='{customerId}']")).ToHaveCountAsync(0);

        var lanPage = await SignInAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        await lanPage.GotoAsync($"{App.ServerAddress}/customers/{customerId}");
        // The composer opens once the page is interactive: then the tabs answer clicks.
        await Assertions.Expect(lanPage.Locator(".stream[data-interactive=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await lanPage.GetByRole(AriaRole.Tab, new() { Name = "Đơn hàng" }).ClickAsync();
        await Assertions.Expect(lanPage.GetByTestId("no-orders")).ToBeVisibleAsync();
        await lanPage.GetByTestId("new-order").ClickAsync();
        var dialog = lanPage.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Thêm dòng" }).ClickAsync();
        await dialog.GetByLabel("Sản phẩm").FillAsync("Máy lọc nước Kangaroo");
        await dialog.GetByLabel("Đơn giá (₫)").FillAsync("4500000");
        await dialog.GetByLabel("Số lượng").FillAsync("2");
        await dialog.GetByLabel("Chiết khấu (₫)").ClickAsync();
        await Screenshot(lanPage, "order-dialog.png");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Lưu đơn hàng" }).ClickAsync();

        var row = lanPage.GetByTestId("order-row");
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(row).ToContainTextAsync("9.000.000 ₫");
        await Assertions.Expect(row).ToContainTextAsync("Đã xác nhận");
        await Assertions.Expect(lanPage.GetByTestId("last-contact")).ToHaveTextAsync("Hôm nay");

        // The rule ran after the commit: the manager's board shows the card in "Đã mua hàng" without a reload.
        await Assertions.Expect(Column(manager, Purchased).Locator($"[data-customer='{customerId}']")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        // And Lan's own detail shows the new stage, and the rule on the automations tab.
        await Assertions.Expect(lanPage.GetByTestId("relationship-select")).ToContainTextAsync(Purchased, new() { Timeout = 15_000 });

        // Marking it paid makes the value.
        await lanPage.GetByRole(AriaRole.Button, new() { Name = "Đánh dấu đã thanh toán đủ" }).ClickAsync();
        await Assertions.Expect(lanPage.GetByTestId("customer-value")).ToHaveTextAsync("9.000.000 ₫", new() { Timeout = 15_000 });
        await Assertions.Expect(row).ToContainTextAsync("Đã thanh toán");
        await Screenshot(lanPage, "order-tab.png");
        await lanPage.GetByRole(AriaRole.Tab, new() { Name = "Automation" }).ClickAsync();
        await Assertions.Expect(lanPage.GetByRole(AriaRole.Tab, new() { Name = "Automation" })).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(lanPage.GetByTestId("run-row")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Screenshot(lanPage, "automations-tab.png");
        await Screenshot(manager, "order-board.png");

        // The manager's settings list the rule with its run, and say that bulk changes and imports run no rule (R2.6b).
        await manager.GotoAsync(App.ServerAddress + "/settings/automation");
        await Assertions.Expect(manager.GetByTestId("rule-row")).ToHaveCountAsync(1);
        await Assertions.Expect(manager.GetByTestId("r26b-note")).ToContainTextAsync("KHÔNG áp dụng luật");
        // A click before the page is interactive does nothing: click until the log opens.
        for (var attempt = 0; attempt < 20 && await manager.GetByTestId("run-row").CountAsync() == 0; attempt++)
        {
            await manager.GetByRole(AriaRole.Button, new() { Name = "Nhật ký chạy" }).ClickAsync();
            await manager.WaitForTimeoutAsync(500);
        }

        await Assertions.Expect(manager.GetByTestId("run-row")).ToHaveCountAsync(1);
        await Screenshot(manager, "automation-settings.png");
        await manager.GetByTestId("new-rule").ClickAsync();
        await Assertions.Expect(manager.GetByTestId("save-rule")).ToBeVisibleAsync();
        await Screenshot(manager, "automation-rule-dialog.png");
    }

    private static async Task Screenshot(IPage page, string name)
    {
        var dir = Directory.CreateDirectory("/tmp/shots-orders").FullName;
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name), FullPage = true });
    }
}
