using System.Text.RegularExpressions;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd.Customers;

/// <summary>
/// The merge dialog in Chromium, driven with the mouse (#22, R6.4): from a duplicate's detail page, search the customer to
/// fold in, keep the other one, pick its phone side by side, confirm, land on the survivor with the undo banner; undo the
/// merge and find the duplicate back. The duplicate finder lists the pair first. Screenshots go to /tmp/shots-merge/.
/// </summary>
public sealed class MergeEndToEndTests : BrowserAppTest
{
    private static string Shot(string name) => Path.Combine(Directory.CreateDirectory("/tmp/shots-merge").FullName, name);

    [Fact]
    public async Task Merge_from_the_detail_page_with_the_mouse_lands_on_the_survivor_and_can_be_undone()
    {
        var lan = await CustomerGridAppData.AddUserAsync(App, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        var kept = await CustomerGridAppData.AddCustomerAsync(App, "Công ty Hải Âu", "0912111222", lan);
        var duplicate = await CustomerGridAppData.AddCustomerAsync(App, "Cty Hai Au", "0912111333", lan);
        await using (var db = await App.DbFactory.CreateDbContextAsync())
        {
            // The duplicate shares the e-mail: the finder groups them.
            await db.Customers.Where(c => c.Id == kept || c.Id == duplicate).ExecuteUpdateAsync(s => s.SetProperty(c => c.Email, "info@haiau.vn"));
        }

        await using var context = await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1400, Height = 950 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(page, App.ServerAddress, "lan", CustomerGridAppData.Password);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/login"), new() { Timeout = 30_000 });

        // The finder, linked from the customers toolbar, lists the pair by their shared e-mail.
        await page.GotoAsync(App.ServerAddress + "/customers");
        await Assertions.Expect(page.Locator("[data-testid=duplicates-link]")).ToHaveAttributeAsync("href", "customers/duplicates");
        await page.GotoAsync(App.ServerAddress + "/customers/duplicates?of=" + kept);
        var group = page.Locator("[data-testid=duplicate-group]");
        await Assertions.Expect(group).ToHaveCountAsync(1);
        await Assertions.Expect(group).ToContainTextAsync("Cty Hai Au");
        await page.ScreenshotAsync(new() { Path = Shot("duplicates-page.png"), FullPage = true });

        // The duplicate's page: merge, search the customer to fold in with the mouse.
        await page.GotoAsync($"{App.ServerAddress}/customers/{duplicate}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cty Hai Au" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".stream[data-interactive=true]")).ToBeVisibleAsync();
        await page.Locator("[data-testid=merge-open]").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        var search = dialog.GetByLabel("Khách hàng cần gộp vào khách hàng này");
        await search.ClickAsync();
        await search.PressSequentiallyAsync("Hải Âu", new() { Delay = 30 });
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Công ty Hải Âu" }).ClickAsync();
        await page.ScreenshotAsync(new() { Path = Shot("merge-dialog-chosen.png") });
        await Assertions.Expect(dialog.Locator("tr[data-field=Phone]")).ToBeVisibleAsync();

        // Keep the older "Công ty Hải Âu", take the duplicate's phone.
        await dialog.Locator("[data-testid=merge-survivor]").GetByText("Công ty Hải Âu").ClickAsync();
        await Assertions.Expect(dialog.Locator("thead")).ToContainTextAsync("Công ty Hải Âu giữ lại");
        await dialog.Locator("[data-testid=pick-Phone-merged]").ClickAsync();
        await page.ScreenshotAsync(new() { Path = Shot("merge-dialog.png") });
        await dialog.Locator("[data-testid=merge-confirm]").ClickAsync();

        // Landed on the survivor, with the duplicate's phone and the undo banner.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/customers/{kept}$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Công ty Hải Âu" })).ToBeVisibleAsync();
        var banner = page.Locator("[data-testid=merged-from]");
        await Assertions.Expect(banner).ToContainTextAsync("Cty Hai Au");
        await Assertions.Expect(page.Locator(".detail-header")).ToContainTextAsync("0912 111 333");
        await page.ScreenshotAsync(new() { Path = Shot("merged-survivor.png") });

        // The merged customer's address leads to the survivor.
        await page.GotoAsync($"{App.ServerAddress}/customers/{duplicate}");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/customers/{kept}$"));
        await Assertions.Expect(page.Locator(".stream[data-interactive=true]")).ToBeVisibleAsync();

        // Undo, confirmed with a click.
        await banner.GetByRole(AriaRole.Button, new() { Name = "Hoàn tác gộp" }).ClickAsync();
        await page.ScreenshotAsync(new() { Path = Shot("unmerge-confirm.png") });
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Hoàn tác gộp" }).ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Cty Hai Au đã được khôi phục");
        await Assertions.Expect(banner).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".detail-header")).ToContainTextAsync("0912 111 222");
        await page.ScreenshotAsync(new() { Path = Shot("unmerged.png") });
        await page.GotoAsync($"{App.ServerAddress}/customers/{duplicate}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cty Hai Au" })).ToBeVisibleAsync();
    }
}
