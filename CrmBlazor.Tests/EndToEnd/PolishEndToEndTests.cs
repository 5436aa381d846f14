using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Features.Comments;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd;

/// <summary>
/// Issue 19, with the mouse as users work: the account menu signs out, the bell leads to a mention, a board column's title
/// leads to its customers and its "+" creates a customer in it, a column dropped on another column's body moves there,
/// a missing right is named inside the app. On the demo company (a small one), in Vietnamese.
/// </summary>
public sealed class PolishEndToEndTests() : BrowserAppTest(new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Demo:Customers"] = "120" })
{
    private static readonly Regex LoginPage = new("/account/login");

    private async Task<IPage> SignedInAsync(string user, string password)
    {
        var page = await (await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1440, Height = 900 } })).NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await Chromium.SignInAsync(page, App.ServerAddress, user, password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        return page;
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", name + ".png") });
    }

    [Fact]
    public async Task The_account_menu_opens_on_a_click_and_signs_out()
    {
        var page = await SignedInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await page.GetByTestId("account-menu").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Đăng xuất" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(LoginPage);

        // Signed out for real: the list sends back to the sign-in page.
        await page.GotoAsync(App.ServerAddress + "/customers");
        await Assertions.Expect(page).ToHaveURLAsync(LoginPage);
    }

    [Fact]
    public async Task The_help_and_language_menus_open_on_a_click_and_lead_where_they_say()
    {
        var page = await SignedInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        // Closed, the app bar's menus build no list (#25: a menu list per circuit was six components).
        await Assertions.Expect(page.GetByRole(AriaRole.Menu)).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Trợ giúp" }).ClickAsync();
        await ShotAsync(page, "help-menu");
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Tài liệu API" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/help/api"));

        await page.GotoAsync(App.ServerAddress + "/customers");
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Ngôn ngữ" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Tiếng Việt" })).ToBeDisabledAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "English" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Customers", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers"));
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        // From the keyboard: an open menu takes the focus, Tab walks its entries, Escape closes it without choosing and
        // gives the focus back to its button.
        await page.GetByRole(AriaRole.Button, new() { Name = "Language" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Menu)).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Tiếng Việt" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByRole(AriaRole.Menu)).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Language" })).ToBeFocusedAsync();
    }

    [Fact]
    public async Task The_bell_opens_on_a_click_and_its_mention_leads_to_the_customer()
    {
        var page = await SignedInAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        int customer;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var lanId = await App.UserIdAsync("lan.nguyen");
            customer = await App.FirstCustomerOfAsync(lanId);
            var manager = (await CurrentUser.LoadAsync(App.DbFactory, await App.UserIdAsync("truongkd")))!;
            await scope.ServiceProvider.GetRequiredService<CommentService>().PostAsync(manager, customer, "@lan.nguyen gọi lại khách giúp anh nhé");
        }

        var bell = page.GetByTestId("notifications");
        await Assertions.Expect(page.GetByTestId("notifications-badge")).ToHaveTextAsync("1", new() { Timeout = 15_000 });
        await bell.ClickAsync();
        var item = page.GetByText("gọi lại khách giúp anh nhé");
        await Assertions.Expect(item).ToBeVisibleAsync();
        await ShotAsync(page, "polish-bell");
        await item.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/customers/{customer}$"));
        await Assertions.Expect(page.GetByTestId("comment").First).ToContainTextAsync("gọi lại khách giúp anh nhé");
    }

    [Fact]
    public async Task A_board_column_leads_to_its_customers_and_its_plus_creates_a_customer_in_it()
    {
        var page = await SignedInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await page.GotoAsync(App.ServerAddress + "/board");
        await Assertions.Expect(page.Locator("[data-testid=board-toolbar][data-live=on]")).ToBeVisibleAsync();
        var column = page.GetByTestId("board-column").Nth(1);
        var stage = await column.GetAttributeAsync("data-relationship");
        var stageName = (await column.Locator(".board-column-title").TextContentAsync())!.Trim();
        var count = (await column.GetByTestId("board-column-count").Locator("b").TextContentAsync())!.Trim();

        await column.Locator(".board-column-title").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/customers\\?relationship={stage}$"));
        await Assertions.Expect(page.Locator("[data-testid=customer-grid][data-live=on]")).ToBeVisibleAsync();
        // The list is that column: its filter says so, and the pager counts the column's customers.
        await Assertions.Expect(page.Locator(".mud-table-pagination-caption").Last).ToContainTextAsync("/ " + count);
        foreach (var row in await page.Locator("tbody tr").AllAsync())
        {
            await Assertions.Expect(row).ToContainTextAsync(stageName);
        }

        // Reload keeps the list; back returns to the board.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".mud-table-pagination-caption").Last).ToContainTextAsync("/ " + count);
        await ShotAsync(page, "polish-board-column-list");

        await page.GotoAsync(App.ServerAddress + "/board");
        await Assertions.Expect(page.Locator("[data-testid=board-toolbar][data-live=on]")).ToBeVisibleAsync();
        var third = page.GetByTestId("board-column").Nth(2);
        var thirdStage = await third.GetAttributeAsync("data-relationship");
        var thirdName = (await third.Locator(".board-column-title").TextContentAsync())!.Trim();
        await third.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Thêm khách hàng vào") }).ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToContainTextAsync(thirdName);
        await dialog.GetByLabel("Họ và tên").FillAsync("Công ty Mới Toanh");
        await dialog.GetByLabel("Điện thoại").FillAsync("0905 123 999");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Lưu" }).ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid=board-column][data-relationship='{thirdStage}'] [data-testid=board-card]", new() { HasText = "Công ty Mới Toanh" }))
            .ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_column_dropped_on_another_columns_body_takes_its_place()
    {
        var page = await SignedInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await page.GotoAsync(App.ServerAddress + "/board");
        await Assertions.Expect(page.Locator("[data-testid=board-toolbar][data-live=on]")).ToBeVisibleAsync();
        var columns = page.GetByTestId("board-column");
        var first = await columns.Nth(0).GetAttributeAsync("data-relationship");
        var third = await columns.Nth(2).GetAttributeAsync("data-relationship");

        // Drag the third column's header and drop it low in the first column, among its cards.
        var body = columns.Nth(0).Locator(".board-column-body");
        var box = (await body.BoundingBoxAsync())!;
        await columns.Nth(2).GetByTestId("board-column-header").DragToAsync(body, new() { TargetPosition = new() { X = box.Width / 2, Y = Math.Min(box.Height - 10, 200) } });

        await Assertions.Expect(columns.Nth(0)).ToHaveAttributeAsync("data-relationship", third!);
        await Assertions.Expect(columns.Nth(1)).ToHaveAttributeAsync("data-relationship", first!);
    }

    [Fact]
    public async Task A_missing_right_is_named_in_the_app_and_the_navigation_offers_only_what_opens()
    {
        var page = await SignedInAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Cài đặt" })).ToHaveCountAsync(0);
        foreach (var (path, right) in new[] { ("/settings/users", "Quản trị người dùng"), ("/settings/relationships", "Cài đặt CRM"), ("/customers/import", "tải lên") })
        {
            await page.GotoAsync(App.ServerAddress + path);
            await Assertions.Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("missing-right")).ToContainTextAsync(right);
            await Assertions.Expect(page).Not.ToHaveURLAsync(LoginPage);
        }

        await ShotAsync(page, "polish-access-denied");
        await page.GotoAsync(App.ServerAddress + "/khong-co-trang-nay");
        await Assertions.Expect(page.GetByTestId("not-found")).ToHaveTextAsync("Không tìm thấy trang");
    }

    [Fact]
    public async Task The_list_has_one_labelled_toolbar_filters_as_chips_and_compact_rows_on_a_phone()
    {
        var page = await SignedInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        var toolbar = page.GetByRole(AriaRole.Toolbar, new() { Name = "Thao tác với danh sách" });
        foreach (var action in new[] { "Bộ lọc", "Cột hiển thị", "Xuất dữ liệu", "Nhập", "Thùng rác" })
        {
            await Assertions.Expect(toolbar.GetByRole(AriaRole.Button, new() { NameRegex = new Regex(action) }).Or(toolbar.GetByRole(AriaRole.Link, new() { Name = action }))).ToBeVisibleAsync();
        }

        // One row at 1440 px: every action on the same line as the filters button.
        var filters = page.GetByTestId("filters-button");
        var top = (await filters.BoundingBoxAsync())!.Y;
        Assert.Equal(top, (await toolbar.GetByRole(AriaRole.Link, new() { Name = "Thùng rác" }).BoundingBoxAsync())!.Y, 8.0);
        // The filters stay out of the way until asked for, and a chosen filter shows as a chip that removes it.
        await Assertions.Expect(page.GetByTestId("filters-panel")).ToHaveCountAsync(0);
        await filters.ClickAsync();
        await page.GetByTestId("filters-panel").GetByText("Chưa phân công").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Xong" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("filter-chip")).ToHaveTextAsync("Chưa phân công");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("unassigned=true"));
        await ShotAsync(page, "polish-grid-1440");
        await page.GetByTestId("filter-chip").Locator(".mud-chip-close-button").ClickAsync();
        await Assertions.Expect(page.GetByTestId("filter-chip")).ToHaveCountAsync(0);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("unassigned"));

        // A phone: compact rows (name, tap-to-call phone, stage) and no wall of filters.
        var phone = await (await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true })).NewPageAsync();
        await Chromium.SignInAsync(phone, App.ServerAddress, "lan.nguyen", DemoDataSeeder.DemoPassword);
        await Assertions.Expect(phone.Locator("[data-testid=customer-grid][data-live=on]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(phone.Locator("tbody tr").First.Locator("a.name-link")).ToBeVisibleAsync();
        Assert.StartsWith("tel:+84", await phone.Locator("tbody a.tel-link").First.GetAttributeAsync("href"), StringComparison.Ordinal);
        await Assertions.Expect(phone.GetByTestId("filters-panel")).ToHaveCountAsync(0);
        var height = await phone.EvaluateAsync<int>("() => document.body.scrollHeight");
        Assert.True(height < 2_000, $"the phone's list is {height} px tall");
        await ShotAsync(phone, "polish-grid-phone");
    }

    [Fact]
    public async Task A_saved_view_reopens_the_list_and_a_shared_one_reaches_the_department()
    {
        var page = await SignedInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await page.GetByTestId("filters-button").ClickAsync();
        await page.GetByTestId("filters-panel").GetByText("Chưa phân công").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Xong" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("unassigned=true"));

        await page.GetByTestId("views-menu").ClickAsync();
        await page.GetByText("Lưu chế độ xem này…").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await dialog.GetByLabel("Tên chế độ xem").FillAsync("Khách chưa ai nhận");
        await dialog.GetByText("Chia sẻ với phòng ban của tôi").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Lưu chế độ xem" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);

        // Back to the whole list (the navigation's link is the list without filters), then the view with the mouse.
        await page.GetByRole(AriaRole.Link, new() { Name = "Khách hàng" }).ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("unassigned"));
        await Assertions.Expect(page.GetByTestId("filter-chip")).ToHaveCountAsync(0);
        await page.GetByTestId("views-menu").ClickAsync();
        await page.GetByTestId("saved-view").Filter(new() { HasText = "Khách chưa ai nhận" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("unassigned=true"));
        await Assertions.Expect(page.GetByTestId("filter-chip")).ToHaveTextAsync("Chưa phân công");

        // A colleague below the admin's department finds it, marked with its owner.
        var manager = await SignedInAsync("truongkd", DemoDataSeeder.DemoPassword);
        await manager.GetByTestId("views-menu").ClickAsync();
        await Assertions.Expect(manager.GetByTestId("saved-view")).ToContainTextAsync("Khách chưa ai nhận");
        await ShotAsync(manager, "polish-saved-view-shared");
    }

    [Fact]
    public async Task A_column_width_dragged_with_the_mouse_is_remembered_after_a_reload_and_can_be_reset()
    {
        var page = await SignedInAsync("truongkd", DemoDataSeeder.DemoPassword);
        var email = page.Locator("th.colkey-email");
        // The natural width depends on the rows shown: measure once they are.
        var emailCells = page.Locator(".customer-grid tbody td.f-email");
        await Assertions.Expect(emailCells.First).ToBeVisibleAsync();
        var before = (await email.BoundingBoxAsync())!.Width;

        // The edge of the header, dragged 150 px to the right as a user does.
        var edge = (await email.Locator(".mud-resizer").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(edge.X + edge.Width / 2, edge.Y + 10);
        await page.Mouse.DownAsync();
        // The page script follows the drag from the press on; it marks the table with the resize cursor meanwhile.
        await Assertions.Expect(page.Locator(".customer-grid .cursor-col-resize")).ToHaveCountAsync(1);
        for (var step = 1; step <= 10; step++)
        {
            await page.Mouse.MoveAsync(edge.X + edge.Width / 2 + 15 * step, edge.Y + 10);
        }

        // Release once the column has followed the pointer, as a user does.
        for (var poll = 0; poll < 200 && ((await email.BoundingBoxAsync())?.Width ?? 0) < before + 100; poll++)
        {
            await Task.Delay(50);
        }

        await page.Mouse.UpAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cột hiển thị" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("reset-widths")).ToBeVisibleAsync();
        var dragged = (await email.BoundingBoxAsync())!.Width;
        Assert.True(dragged > before + 100, $"{before} → {dragged}");

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(emailCells.First).ToBeVisibleAsync();
        Assert.InRange((await email.BoundingBoxAsync())!.Width, dragged - 3, dragged + 3);
        await ShotAsync(page, "polish-column-width");

        await page.GetByRole(AriaRole.Button, new() { Name = "Cột hiển thị" }).ClickAsync();
        await page.GetByTestId("reset-widths").ClickAsync();
        // The grid forgets the dragged width at once (then the reload shows it was forgotten for good).
        for (var poll = 0; poll < 200 && Math.Abs(((await email.BoundingBoxAsync())?.Width ?? 0) - before) > 3; poll++)
        {
            await Task.Delay(50);
        }

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(emailCells.First).ToBeVisibleAsync();
        Assert.InRange((await email.BoundingBoxAsync())!.Width, before - 3, before + 3);

        // The same header sorts by its column when its title is clicked, then the other way (#25: the grid's own table).
        await email.GetByRole(AriaRole.Button, new() { Name = "Email" }).ClickAsync();
        await Assertions.Expect(email).ToHaveAttributeAsync("aria-sort", "ascending");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("sort=Email"));
        await email.GetByRole(AriaRole.Button, new() { Name = "Email" }).ClickAsync();
        await Assertions.Expect(email).ToHaveAttributeAsync("aria-sort", "descending");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("desc=true"));
    }

    [Fact]
    public async Task A_quick_search_typed_in_the_box_lists_every_match_in_name_order_those_holding_it_inside_too()
    {
        // #25: the name order's matches come from the name index (names starting with the term) and the tail trigram
        // index (texts holding it anywhere else: a company whose contact's e-mail is nguyen.…@…); the grid shows them
        // merged, as a plain scan of the customers would order them.
        var page = await SignedInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        // A name holding it inside (the demo's e-mails start with the contact's own name).
        await App.CreateCustomerAsync("Công ty Nguyên Phát", "0912345670", await App.AdminIdAsync());
        List<int> expected;
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            var live = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
                db.Customers.Where(c => !c.IsDeleted).Select(c => new { c.Id, c.NameKey, c.SearchText }));
            var matching = live.Where(c => c.SearchText.Contains("nguyen", StringComparison.Ordinal))
                .OrderBy(c => c.NameKey, StringComparer.Ordinal).ThenBy(c => c.Id).ToList();
            // The first page holds both kinds, or the test would not see the tail index at work.
            Assert.Contains(matching.Take(25), c => !c.NameKey.StartsWith("nguyen", StringComparison.Ordinal));
            Assert.Contains(matching.Take(25), c => c.NameKey.StartsWith("nguyen", StringComparison.Ordinal));
            expected = matching.Take(25).Select(c => c.Id).ToList();
        }

        var box = page.Locator(".search-box input");
        await box.ClickAsync();
        await box.PressSequentiallyAsync("nguyen", new() { Delay = 30 });
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("search=nguyen"));
        var rows = page.Locator("[data-testid=customer-grid] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(expected.Count, new() { Timeout = 15_000 });
        // Each row's customer, from the first link to its page in the row.
        var hrefs = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.querySelector(\"a[href*='customers/']\").getAttribute('href'))");
        var shown = hrefs.Select(h => int.Parse(h[(h.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(expected, shown);
        await ShotAsync(page, "quick-search-nguyen");
    }
}
