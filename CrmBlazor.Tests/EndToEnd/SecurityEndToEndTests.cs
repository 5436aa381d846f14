using System.Net;
using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd;

/// <summary>
/// The Content-Security-Policy of #20 under a real browser: Blazor's circuit (WebSocket), MudBlazor's scripts and styles,
/// the board's JS module and the customer detail run without one violation in the console; Kestrel names no server.
/// </summary>
public sealed class SecurityEndToEndTests() : BrowserAppTest(new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Demo:Customers"] = "60" })
{
    [Fact]
    public async Task Customers_board_and_detail_run_under_the_CSP_without_violations()
    {
        var page = await (await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1440, Height = 900 } })).NewPageAsync();
        page.SetDefaultTimeout(20_000);
        var console = new List<string>();
        page.Console += (_, m) => console.Add($"{m.Type}: {m.Text}");
        page.PageError += (_, e) => console.Add("pageerror: " + e);

        var login = await page.GotoAsync(App.ServerAddress + "/account/login");
        var csp = await login!.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);

        await Chromium.SignInAsync(page, App.ServerAddress, "lan.nguyen", DemoDataSeeder.DemoPassword);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers"), new() { Timeout = 30_000 });
        // Interactive: the circuit's WebSocket opened under connect-src.
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.GetByRole(AriaRole.Row).Nth(1).WaitForAsync();

        await page.GotoAsync(App.ServerAddress + "/board");
        await Assertions.Expect(page.GetByTestId("board-toolbar")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = 30_000 });

        var customer = await App.FirstCustomerOfAsync(await App.UserIdAsync("lan.nguyen"));
        await page.GotoAsync($"{App.ServerAddress}/customers/{customer}");
        await Assertions.Expect(page.GetByTestId("interactions")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.WaitForTimeoutAsync(500);

        var violations = console.Where(m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)
            || m.Contains("Refused to", StringComparison.Ordinal) || m.StartsWith("pageerror", StringComparison.Ordinal)).ToList();
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public async Task Kestrel_sends_no_Server_header()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(App.ServerAddress + "/account/login");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Server"));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
    }
}
