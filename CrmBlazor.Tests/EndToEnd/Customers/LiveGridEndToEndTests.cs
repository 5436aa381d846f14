using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd.Customers;

/// <summary>
/// Two people, two browsers (R5.3, live grid): Lan double-clicks a phone cell, types and presses Enter; the admin's grid,
/// open on another context, shows the new phone without reloading. An invalid phone shows an error in the cell.
/// </summary>
public sealed class LiveGridEndToEndTests : BrowserAppTest
{
    [Fact]
    public async Task A_phone_edited_inline_by_one_user_appears_in_another_users_grid_without_reload()
    {
        var lan = await CustomerGridAppData.AddUserAsync(App, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        await CustomerGridAppData.AddCustomerAsync(App, "Đặng Văn Đức", "0912345678", lan);
        await CustomerGridAppData.AddCustomerAsync(App, "Trần Thị Ánh", "0987000111", lan);
        var url = App.ServerAddress;

        await using var contextA = await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1500, Height = 900 } });
        await using var contextB = await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1500, Height = 900 } });
        var a = await contextA.NewPageAsync();
        var b = await contextB.NewPageAsync();
        a.SetDefaultTimeout(30_000);
        b.SetDefaultTimeout(30_000);

        await Chromium.SignInAsync(a, url, "lan", CustomerGridAppData.Password);
        await Assertions.Expect(a).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 30_000 });
        await Chromium.SignInAsync(b, url, DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await Assertions.Expect(b).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 30_000 });
        await a.GotoAsync(url + "/customers");
        await b.GotoAsync(url + "/customers");
        var rowA = a.Locator("tr", new() { HasText = "Đặng Văn Đức" });
        var rowB = b.Locator("tr", new() { HasText = "Đặng Văn Đức" });
        try
        {
            await Assertions.Expect(rowA).ToContainTextAsync("0912 345 678", new() { Timeout = 30_000 });
        }
        catch (PlaywrightException)
        {
            Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts"));
            await a.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "grid-live-a-failed.png"), FullPage = true });
            throw;
        }

        await Assertions.Expect(rowB).ToContainTextAsync("0912 345 678", new() { Timeout = 30_000 });
        // Blazor's circuit is live once the grid is interactive; give the admin's page a marker to detect a reload.
        await b.EvaluateAsync("() => window.__noReload = true");

        // Invalid input: the error is shown in the cell and nothing is saved.
        await rowA.Locator("td.f-phone").DblClickAsync();
        var editor = rowA.GetByLabel("Điện thoại");
        await editor.FillAsync("12ab");
        await editor.PressAsync("Enter");
        await Assertions.Expect(rowA.GetByRole(AriaRole.Alert)).ToContainTextAsync("Đây không phải số điện thoại.");
        await editor.PressAsync("Escape");
        await Assertions.Expect(rowA.GetByLabel("Điện thoại")).ToHaveCountAsync(0);
        await Assertions.Expect(rowA).ToContainTextAsync("0912 345 678");

        await rowA.Locator("td.f-phone").DblClickAsync();
        editor = rowA.GetByLabel("Điện thoại");
        await editor.FillAsync("0977 888 999");
        await editor.PressAsync("Enter");
        await Assertions.Expect(rowA).ToContainTextAsync("0977 888 999", new() { Timeout = 15_000 });

        await Assertions.Expect(rowB).ToContainTextAsync("0977 888 999", new() { Timeout = 15_000 });
        Assert.True(await b.EvaluateAsync<bool>("() => window.__noReload === true"), "The admin's page was not reloaded.");
        Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts"));
        await b.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "grid-live-b.png"), FullPage = true });
        await a.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "grid-live-a.png"), FullPage = true });
    }
}
