using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd.Catalog;

/// <summary>
/// Settings → Sources and Groups in Chromium, with the mouse as a manager works: from the settings page, add a source,
/// drag it to the top, merge two groups through the confirmation dialog; a salesperson's open customer list filtered on
/// the merged group follows without a reload. On the demo company, in Vietnamese.
/// </summary>
public sealed class CatalogEndToEndTests() : BrowserAppTest(new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Demo:Customers"] = "80" })
{
    private async Task<IPage> SignedInAsync(string user, string password)
    {
        var context = await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await Chromium.SignInAsync(page, App.ServerAddress, user, password);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/login"), new() { Timeout = 30_000 });
        return page;
    }

    private static ILocator Rows(IPage page) => page.GetByTestId("catalog-row");

    private static ILocator Row(IPage page, string name) =>
        page.Locator($"[data-testid=catalog-row][aria-label='{name}']");

    /// <summary>Opens a settings screen from the settings page by its card's "Mở" button, and waits until it answers clicks.</summary>
    private static async Task OpenFromSettingsAsync(IPage page, string baseUrl, string title, string path)
    {
        await page.GotoAsync(baseUrl + "/settings");
        // A click on the prerendered page, before its circuit is up, is lost when the circuit starts: wait for it.
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var card = page.Locator(".settings-card").Filter(new() { HasText = title });
        await card.GetByRole(AriaRole.Link, new() { Name = "Mở" }).Or(card.GetByRole(AriaRole.Button, new() { Name = "Mở" })).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        await Assertions.Expect(page.GetByTestId("catalog-title")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = 30_000 });
    }

    private static async Task<string[]> NamesAsync(IPage page) =>
        await Rows(page).EvaluateAllAsync<string[]>("rows => rows.map(r => r.getAttribute('aria-label'))");

    [Fact]
    public async Task A_manager_adds_a_source_drags_it_to_the_top_and_merges_two_groups_with_the_mouse()
    {
        var manager = await SignedInAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);

        // 1. Sources: add one with the mouse (click the field, type, click "Thêm nguồn").
        await OpenFromSettingsAsync(manager, App.ServerAddress, "Nguồn khách hàng", "/settings/sources");
        await Assertions.Expect(Rows(manager)).ToHaveCountAsync(DatabaseInitializer.DefaultSources.Length);
        await manager.GetByLabel("Nguồn mới").ClickAsync();
        await manager.Keyboard.TypeAsync("Hội chợ Xuân");
        await manager.GetByTestId("catalog-add").ClickAsync();
        await Assertions.Expect(Rows(manager)).ToHaveCountAsync(DatabaseInitializer.DefaultSources.Length + 1);
        await Assertions.Expect(Rows(manager).Last).ToHaveAttributeAsync("aria-label", "Hội chợ Xuân");
        await Assertions.Expect(Row(manager, "Hội chợ Xuân")).ToContainTextAsync("Chưa có khách hàng");
        await Assertions.Expect(manager.GetByLabel("Nguồn mới")).ToHaveValueAsync(string.Empty);

        // 2. Drag it onto the first row: it becomes the first source, here and in the database.
        var first = DatabaseInitializer.DefaultSources[0];
        var dragged = manager.Locator(".mud-drop-item", new() { Has = Row(manager, "Hội chợ Xuân") });
        var target = manager.Locator(".mud-drop-item", new() { Has = Row(manager, first) });
        // Press on it, move up in steps (as a hand does) to the upper edge of the first row, where the gap opens above it.
        var from = (await dragged.BoundingBoxAsync())!;
        var to = (await target.BoundingBoxAsync())!;
        await manager.Mouse.MoveAsync(from.X + 20, from.Y + from.Height / 2);
        await manager.Mouse.DownAsync();
        for (var step = 1; step <= 10; step++)
        {
            await manager.Mouse.MoveAsync(from.X + 20, from.Y + from.Height / 2 + (to.Y + 4 - from.Y - from.Height / 2) * step / 10);
        }

        await ShotAsync(manager, "catalog-sources-dragging");
        await manager.Mouse.UpAsync();
        await Assertions.Expect(Rows(manager).First).ToHaveAttributeAsync("aria-label", "Hội chợ Xuân", new() { Timeout = 10_000 });
        string[] expectedOrder = ["Hội chợ Xuân", .. DatabaseInitializer.DefaultSources];
        Assert.Equal(expectedOrder, await NamesAsync(manager));
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            Assert.Equal(expectedOrder, await db.Sources.Where(s => !s.IsDeleted).OrderBy(s => s.Position).Select(s => s.Name).ToListAsync());
        }

        await ShotAsync(manager, "catalog-sources");

        // A source customers come from is not deleted: the page says how many, with a link to them (no confirmation asked).
        int websiteCustomers;
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            websiteCustomers = await db.Customers.CountAsync(c => db.Sources.Any(s => s.Id == c.SourceId && s.Name == first));
        }

        await Row(manager, first).GetByRole(AriaRole.Button, new() { Name = $"Xóa {first}" }).ClickAsync();
        var inUse = manager.GetByTestId("catalog-in-use");
        await Assertions.Expect(inUse).ToContainTextAsync($"còn {websiteCustomers} khách hàng thuộc nguồn này");
        await Assertions.Expect(inUse.GetByRole(AriaRole.Link, new() { Name = "Xem các khách hàng này" })).ToHaveAttributeAsync("href", new Regex("/customers\\?source=\\d+$"));
        await Assertions.Expect(manager.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await ShotAsync(manager, "catalog-source-in-use");
        await inUse.Locator(".mud-alert-close button").ClickAsync();
        await Assertions.Expect(inUse).ToHaveCountAsync(0);

        // Rename in place: the row becomes a field; Escape gives the row back unchanged.
        await Row(manager, "Hội chợ Xuân").GetByRole(AriaRole.Button, new() { Name = "Đổi tên Hội chợ Xuân" }).ClickAsync();
        await Assertions.Expect(manager.GetByLabel("Tên", new() { Exact = true })).ToHaveValueAsync("Hội chợ Xuân");
        await ShotAsync(manager, "catalog-source-rename");
        await manager.Keyboard.PressAsync("Escape");
        await Assertions.Expect(manager.GetByLabel("Tên", new() { Exact = true })).ToHaveCountAsync(0);
        Assert.Equal(expectedOrder, await NamesAsync(manager));

        // 3. Groups: "Khách lẻ" merged into "Doanh nghiệp", confirmed in the dialog. A salesperson's list filtered on
        // "Khách lẻ" is open meanwhile.
        int retail, business, expected;
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            retail = await db.CustomerGroups.Where(g => g.Name == "Khách lẻ").Select(g => g.Id).SingleAsync();
            business = await db.CustomerGroups.Where(g => g.Name == "Doanh nghiệp").Select(g => g.Id).SingleAsync();
            expected = await db.CustomerGroupMembers.Where(m => m.GroupId == retail || m.GroupId == business).Select(m => m.CustomerId).Distinct().CountAsync();
            Assert.True(await db.CustomerGroupMembers.CountAsync(m => m.GroupId == retail) > 0, "The demo company has customers in 'Khách lẻ'.");
        }

        var lan = await SignedInAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        await lan.GotoAsync(App.ServerAddress + "/customers?group=" + retail);
        await Assertions.Expect(lan.GetByTestId("customer-grid")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = 30_000 });

        await OpenFromSettingsAsync(manager, App.ServerAddress, "Nhóm khách hàng", "/settings/groups");
        await Assertions.Expect(Rows(manager)).ToHaveCountAsync(DatabaseInitializer.DefaultGroups.Length);
        await Row(manager, "Khách lẻ").GetByRole(AriaRole.Button, new() { Name = "Gộp Khách lẻ vào mục khác" }).ClickAsync();
        var dialog = manager.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("Gộp nhóm “Khách lẻ”");
        var merge = dialog.GetByRole(AriaRole.Button, new() { Name = "Gộp", Exact = true });
        await Assertions.Expect(merge).ToBeDisabledAsync();
        await dialog.Locator(".mud-select").First.ClickAsync();
        await manager.GetByRole(AriaRole.Option, new() { Name = "Doanh nghiệp" }).ClickAsync();
        await Assertions.Expect(dialog.GetByTestId("catalog-merge-summary")).ToContainTextAsync("sẽ chuyển sang nhóm “Doanh nghiệp”");
        await Assertions.Expect(merge).ToBeEnabledAsync();
        await dialog.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "catalog-merge-dialog.png") });
        await merge.ClickAsync();

        await Assertions.Expect(dialog).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await Assertions.Expect(Row(manager, "Khách lẻ")).ToHaveCountAsync(0);
        await Assertions.Expect(Row(manager, "Doanh nghiệp").GetByTestId("catalog-count")).ToContainTextAsync($"{expected} khách hàng");
        await Assertions.Expect(manager.Locator(".mud-snackbar")).ToContainTextAsync("Đã gộp “Khách lẻ” vào “Doanh nghiệp”");
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            Assert.Equal(0, await db.CustomerGroupMembers.CountAsync(m => m.GroupId == retail));
            Assert.Equal(expected, await db.CustomerGroupMembers.CountAsync(m => m.GroupId == business));
            Assert.True(await db.ChangeLog.AnyAsync(l => l.Field == "Groups" && l.Origin == "merge"));
        }

        await ShotAsync(manager, "catalog-groups-after-merge");

        // The salesperson's list, filtered on the merged group, follows its customers to "Doanh nghiệp" by itself (no reload).
        await Assertions.Expect(lan).ToHaveURLAsync(new Regex($"group={business}(&|$)"), new() { Timeout = 15_000 });
        // The active filter is a chip beside the filters button.
        await Assertions.Expect(lan.GetByTestId("filter-chip")).ToContainTextAsync("Doanh nghiệp");
        await ShotAsync(lan, "catalog-salesperson-list-after-merge");

        // The manager renames it in place; the salesperson's filter says the new name.
        await Row(manager, "Doanh nghiệp").GetByRole(AriaRole.Button, new() { Name = "Đổi tên Doanh nghiệp" }).ClickAsync();
        var name = manager.GetByLabel("Tên", new() { Exact = true });
        await name.ClickAsync(new() { ClickCount = 3 });
        await manager.Keyboard.TypeAsync("Doanh nghiệp lớn");
        await manager.Keyboard.PressAsync("Enter");
        await Assertions.Expect(Row(manager, "Doanh nghiệp lớn")).ToHaveCountAsync(1);
        await Assertions.Expect(lan.GetByTestId("filter-chip")).ToContainTextAsync("Doanh nghiệp lớn", new() { Timeout = 15_000 });
        await ShotAsync(lan, "catalog-salesperson-list-after-rename");
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", name + ".png"), FullPage = true });
    }
}
