using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd;

/// <summary>
/// The drawer's links (drawn as plain markup since #25) followed with the mouse to where they land, on a desktop and on a
/// phone (where the drawer lies over the page and closes after a navigation); and the detail's comment stream, kept
/// alive beside the tabs, receiving a colleague's comment while its reader looks at another tab.
/// </summary>
public sealed class NavigationEndToEndTests() : BrowserAppTest(new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Demo:Customers"] = "40" })
{
    private static ILocator Nav(IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Điều hướng chính" });

    private static async Task Shot(IPage page, string name)
    {
        var dir = Directory.CreateDirectory("/tmp/shots-navigation").FullName;
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name) });
    }

    [Fact]
    public async Task Every_drawer_link_lands_on_its_page_and_marks_itself_current()
    {
        var admin = await SignInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        foreach (var (name, url, heading) in new[]
                 {
                     ("Khách hàng", "/customers", "Khách hàng"), ("Mới cập nhật", "/updates", "Mới cập nhật"), ("Bảng quy trình", "/board", "Bảng quy trình"),
                     ("Báo cáo", "/reports", "Báo cáo"), ("Cài đặt", "/settings", "Cài đặt"),
                 })
        {
            await Nav(admin).GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
            await Assertions.Expect(admin).ToHaveURLAsync(new Regex(url + "$"));
            await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
            await Assertions.Expect(Nav(admin).GetByRole(AriaRole.Link, new() { Name = name })).ToHaveAttributeAsync("aria-current", "page");
            await Assertions.Expect(Nav(admin).Locator("a[aria-current=page]")).ToHaveCountAsync(1);
            await Shot(admin, "nav-" + url.Trim('/') + ".png");
        }

        // A page below a link (a customer's detail) keeps "Khách hàng" current (NavLink's prefix rule).
        await admin.GetByRole(AriaRole.Link, new() { Name = "Khách hàng" }).First.ClickAsync();
        await admin.Locator("a.code-link").First.ClickAsync();
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/customers/\\d+$"));
        await Assertions.Expect(Nav(admin).GetByRole(AriaRole.Link, new() { Name = "Khách hàng" })).ToHaveAttributeAsync("aria-current", "page");
    }

    [Fact]
    public async Task On_a_phone_the_drawer_closes_after_a_link_takes_the_user_elsewhere()
    {
        var page = await SignInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword, 390, 800, phone: true);
        await page.GotoAsync(App.ServerAddress + "/updates");
        // Interactive (and hearing its user's topic) before the menu button is clicked: the drawer is closed, so by CSS.
        await Assertions.Expect(page.Locator("nav.mud-navmenu[data-live=true]")).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Thanh điều hướng" }).ClickAsync();
        await Assertions.Expect(page.Locator(".mud-drawer--open")).ToHaveCountAsync(1);
        await Shot(page, "phone-drawer-open.png");
        await Nav(page).GetByRole(AriaRole.Link, new() { Name = "Bảng quy trình" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/board$"));
        await Assertions.Expect(page.Locator(".mud-drawer--open")).ToHaveCountAsync(0);
        await Shot(page, "phone-after-link.png");
    }

    [Fact]
    public async Task A_colleagues_comment_reaches_a_reader_who_is_on_another_tab()
    {
        int customerId;
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            var lanId = await db.Users.Where(u => u.UserName == "lan.nguyen").Select(u => u.Id).SingleAsync();
            customerId = await db.Customers.Where(c => c.OwnerId == lanId && !c.IsDeleted).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
        }

        var admin = await SignInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        var lan = await SignInAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        await admin.GotoAsync($"{App.ServerAddress}/customers/{customerId}");
        await lan.GotoAsync($"{App.ServerAddress}/customers/{customerId}");
        await Assertions.Expect(admin.Locator(".stream[data-interactive=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(lan.Locator(".stream[data-interactive=true]")).ToHaveCountAsync(1);

        await admin.GetByRole(AriaRole.Tab, new() { Name = "Đơn hàng" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("comments-panel")).ToBeHiddenAsync();
        await lan.GetByTestId("comment-box").FillAsync("Khách hẹn gọi lại thứ Hai");
        await lan.GetByRole(AriaRole.Button, new() { Name = "Gửi" }).ClickAsync();
        await Assertions.Expect(lan.GetByTestId("comment").First).ToContainTextAsync("Khách hẹn gọi lại thứ Hai");

        await admin.GetByRole(AriaRole.Tab, new() { Name = "Trao đổi" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("comment").First).ToContainTextAsync("Khách hẹn gọi lại thứ Hai", new() { Timeout = 10_000 });
        await Assertions.Expect(admin.GetByTestId("comment").First.Locator(".tip[data-tip]").First).ToHaveAttributeAsync("data-tip", new Regex("^\\d{2}/\\d{2}/\\d{4} \\d{2}:\\d{2}$"));
        await Shot(admin, "detail-comment-arrived-on-another-tab.png");
    }
}
