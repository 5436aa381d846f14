using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>
/// An end-to-end test class: the app on Kestrel (a real port on loopback) and Debian's Chromium, started once for the
/// class's tests and stopped after them.
/// </summary>
public abstract class BrowserAppTest(IDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    protected CrmAppFactory App { get; } = new(kestrel: true, settings);

    protected IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App.StartServer();
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    /// <summary>A new browser context (its own cookies: another user) signed in as <paramref name="user"/>.</summary>
    protected async Task<IPage> SignInAsync(string user, string password, int width = 1500, int height = 950, bool phone = false)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, IsMobile = phone, HasTouch = phone });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await Chromium.SignInAsync(page, App.ServerAddress, user, password);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/login"), new() { Timeout = 30_000 });
        return page;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        App.Dispose();
    }
}
