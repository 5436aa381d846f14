using CrmBlazor.Domain.Organization;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd.Customers;

/// <summary>The create dialog in a real browser (R1, R1.4): validation, the duplicate warning, then the new row in the grid.</summary>
public sealed class CustomerDialogEndToEndTests : BrowserAppTest
{
    [Fact]
    public async Task Creating_a_customer_with_a_known_phone_warns_about_the_duplicate_before_saving()
    {
        var lan = await CustomerGridAppData.AddUserAsync(App, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        await CustomerGridAppData.AddCustomerAsync(App, "Đặng Văn Đức", "0912345678", lan);
        var url = App.ServerAddress;
        await using var context = await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(page, url, "lan", CustomerGridAppData.Password);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 30_000 });
        await page.GotoAsync(url + "/customers");
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Đặng Văn Đức" })).ToBeVisibleAsync(new() { Timeout = 30_000 });

        await page.GetByRole(AriaRole.Button, new() { Name = "Thêm khách hàng" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Họ và tên").FillAsync("Đặng Đức Anh");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Lưu" }).ClickAsync();
        await Assertions.Expect(dialog.GetByText("Khách hàng cần có số điện thoại hoặc email.")).ToBeVisibleAsync();

        await dialog.GetByLabel("Điện thoại").FillAsync("+84 912 345 678");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Lưu" }).ClickAsync();
        var warning = dialog.Locator("[data-testid=duplicate-warning]");
        await Assertions.Expect(warning).ToContainTextAsync("Đặng Văn Đức");
        Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "grid-dialog-duplicate.png") });

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Vẫn lưu" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("tr", new() { HasText = "Đặng Đức Anh" })).ToContainTextAsync("0912 345 678");
        await Assertions.Expect(page.Locator("[data-testid=customer-total]")).ToContainTextAsync("Tất cả: 2");
    }
}
