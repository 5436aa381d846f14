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

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        App.Dispose();
    }
}
