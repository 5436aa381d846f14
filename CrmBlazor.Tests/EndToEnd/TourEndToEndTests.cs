using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd;

/// <summary>
/// Issue 19, the tour: each demo role opens every page its navigation, the settings page and the list's toolbar offer,
/// and a customer's detail, in Vietnamese — no error page, no sign-in page, no "no access" page for a link it was
/// offered, no English left in the text, labels and tooltips.
/// </summary>
public sealed class TourEndToEndTests() : BrowserAppTest(new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Demo:Customers"] = "80" })
{
    // English that must not show in the Vietnamese UI (MudBlazor's defaults and ours); whole words, case-sensitive.
    private static readonly string[] English =
    [
        "Select row", "Select all", "Sort", "Unsort", "Column options", "Required", "Rows per page", "Loading", "Clear", "Menu",
        "Next page", "Previous page", "First page", "Last page", "Close", "No records", "Show all", "Hide all", "Filter", "Save",
        "Cancel", "Delete", "members", "Open calendar", "Notifications", "Account", "Customers", "Settings", "Search",
    ];

    public static TheoryData<string, string> Roles => new()
    {
        { DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword },
        { "truongkd", DemoDataSeeder.DemoPassword },
        { "lan.nguyen", DemoDataSeeder.DemoPassword },
    };

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Every_page_a_role_is_offered_opens_in_Vietnamese(string user, string password)
    {
        var page = await (await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1440, Height = 900 } })).NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await Chromium.SignInAsync(page, App.ServerAddress, user, password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/customers"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-live=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        var pages = new List<string>();
        pages.AddRange(await LinksAsync(page, ".mud-navmenu a"));
        pages.AddRange(await LinksAsync(page, "[role=toolbar] a"));
        pages.Add(new Uri(page.Url).AbsolutePath.TrimStart('/'));
        pages.Add("account/profile");
        pages.Add("help/api");
        var detail = await page.Locator("a.code-link").First.GetAttributeAsync("href");
        pages.Add(detail!.TrimStart('/'));
        if (pages.Contains("settings"))
        {
            await page.GotoAsync(App.ServerAddress + "/settings");
            await Assertions.Expect(page.Locator(".settings-card").First).ToBeVisibleAsync();
            pages.AddRange(await LinksAsync(page, ".settings-card a"));
        }

        var problems = new List<string>();
        foreach (var path in pages.Distinct())
        {
            await page.GotoAsync($"{App.ServerAddress}/{path}");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.WaitForTimeoutAsync(300);
            var url = new Uri(page.Url).AbsolutePath;
            if (url.StartsWith("/account/login", StringComparison.Ordinal) || url.StartsWith("/access-denied", StringComparison.Ordinal))
            {
                problems.Add($"{path}: sent to {url}");
                continue;
            }

            if (await page.GetByTestId("access-denied").CountAsync() > 0 || await page.GetByTestId("not-found").CountAsync() > 0
                || await page.GetByTestId("status-page").CountAsync() > 0 || await page.Locator("#blazor-error-ui").IsVisibleAsync())
            {
                problems.Add($"{path}: an error or no-access page");
                continue;
            }

            var text = await page.EvaluateAsync<string>(@"() => document.body.innerText + '\n' +
                [...document.querySelectorAll('[aria-label],[title],[placeholder]')].map(e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')].filter(x => x).join('\n')).join('\n')");
            foreach (var word in English)
            {
                if (Regex.IsMatch(text, $@"(?<![\p{{L}}]){Regex.Escape(word)}(?![\p{{L}}])"))
                {
                    problems.Add($"{path}: English '{word}'");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{user}: {string.Join("; ", problems)}");
        Assert.True(pages.Distinct().Count() >= 7, $"{user} toured only {string.Join(", ", pages.Distinct())}");
    }

    private static async Task<List<string>> LinksAsync(IPage page, string selector)
    {
        var links = new List<string>();
        foreach (var a in await page.Locator(selector).AllAsync())
        {
            var href = await a.GetAttributeAsync("href");
            if (href is not null && !href.StartsWith("http", StringComparison.Ordinal) && !href.StartsWith('#'))
            {
                links.Add(href.TrimStart('/').Split('?')[0]);
            }
        }

        return links;
    }
}
