using System.Text.RegularExpressions;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd;

/// <summary>
/// "Sign out everywhere" (#20) in real browsers: one user signed in on two devices (two browser contexts); from one, through
/// the account menu, the profile page and the confirmation, every session ends — the other device's open page goes to the
/// sign-in page by itself, and neither cookie opens the list any more.
/// </summary>
public sealed partial class SessionsEndToEndTests : BrowserAppTest
{
    private const string Password = "Hai-Thiet-Bi@2468";

    [Fact]
    public async Task Signing_out_everywhere_from_one_device_sends_the_other_devices_open_page_to_the_sign_in_page()
    {
        await App.CreateUserAsync("thu.ha", Password, Rights.SalesDefault, "Thu Hà");
        var laptop = await SignedInAsync();
        var phone = await SignedInAsync();

        await laptop.GetByTestId("account-menu").ClickAsync();
        await laptop.GetByRole(AriaRole.Menuitem, new() { Name = "Hồ sơ của tôi" }).ClickAsync();
        await Assertions.Expect(laptop).ToHaveURLAsync(new Regex("/account/profile"));
        var signOutEverywhere = laptop.GetByRole(AriaRole.Button, new() { Name = "Đăng xuất khỏi mọi nơi" });
        await Assertions.Expect(signOutEverywhere).ToBeEnabledAsync();
        await signOutEverywhere.ClickAsync();
        var dialog = laptop.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("kể cả thiết bị này");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Đăng xuất khỏi mọi nơi" }).ClickAsync();

        await Assertions.Expect(laptop).ToHaveURLAsync(LoginPage(), new() { Timeout = 20_000 });
        // The other device did nothing: its open page was sent to the sign-in page.
        await Assertions.Expect(phone).ToHaveURLAsync(LoginPage(), new() { Timeout = 20_000 });
        await Assertions.Expect(phone.GetByRole(AriaRole.Button, new() { Name = "Đăng nhập" })).ToBeVisibleAsync();

        foreach (var page in new[] { laptop, phone })
        {
            await page.GotoAsync(App.ServerAddress + "/customers");
            await Assertions.Expect(page).ToHaveURLAsync(LoginPage());
        }
    }

    private async Task<IPage> SignedInAsync()
    {
        var context = await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await Chromium.SignInAsync(page, App.ServerAddress, "thu.ha", Password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers"));
        // Interactive: the circuit is up (it is what must be told that the session ended).
        await Assertions.Expect(page.GetByTestId("customer-grid")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = 30_000 });
        return page;
    }

    [GeneratedRegex("/account/login")]
    private static partial Regex LoginPage();
}
