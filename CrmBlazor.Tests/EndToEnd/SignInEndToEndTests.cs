using CrmBlazor.Data.Seeding;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd;

/// <summary>A real browser (Debian Chromium) signs in through the real login page and sees the customers page.</summary>
public sealed class SignInEndToEndTests : IAsyncLifetime
{
    private CrmAppFactory _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory(kestrel: true, new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Demo:Customers"] = "120" });
        _app.StartServer();
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_demo_user_signs_in_and_sees_the_customers_page()
    {
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        await page.GotoAsync(_app.ServerAddress + "/customers");
        // Anonymous: sent to the login page, which lists the demo accounts in demo mode.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await Assertions.Expect(page.GetByText(DemoDataSeeder.DemoPassword).First).ToBeVisibleAsync();

        await page.GetByLabel("Tên đăng nhập").FillAsync("lan.nguyen");
        await page.GetByLabel("Mật khẩu").FillAsync(DemoDataSeeder.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Đăng nhập" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/customers$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Khách hàng" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Nguyễn Thị Lan").First).ToBeVisibleAsync();
        // Rows of the user's own customers (generated codes), and a total that matches them.
        var rows = page.Locator(".customer-grid tbody tr").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("KH\\d{6}") });
        await Assertions.Expect(rows.First).ToBeVisibleAsync(new() { Timeout = 15000 });
        var shown = await rows.CountAsync();
        Assert.True(shown > 0);
        await Assertions.Expect(page.Locator("[data-testid=customer-total]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"Tất cả: {shown}$"));
        await Assertions.Expect(page.GetByText("Chưa có khách hàng nào.")).ToHaveCountAsync(0);

        await Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts")).FullName.Let(async dir =>
            await page.ScreenshotAsync(new() { Path = Path.Combine(dir, "e2e-customers.png"), FullPage = true }));
    }

    [Fact]
    public async Task A_wrong_password_shows_a_clear_message()
    {
        var page = await _browser.NewPageAsync();
        await Chromium.SignInAsync(page, _app.ServerAddress, "admin", "sai-mat-khau");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sai tên đăng nhập hoặc mật khẩu");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
    }
}

internal static class LetExtensions
{
    public static Task Let<T>(this T value, Func<T, Task> action) => action(value);
}
