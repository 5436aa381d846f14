using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd;

/// <summary>
/// Issue 18, as users meet it in Chromium: the admin edits a name in the grid; a colleague's grid, board and detail page
/// show it without reloading, and the admin's own grid does not load its page again. Closing a tab ends its presence and
/// its subscriptions at once, not when its circuit expires minutes later.
/// </summary>
public sealed class LiveCollaborationEndToEndTests : BrowserAppTest
{
    private const string Password = "Xem@12345678";

    [Fact]
    public async Task A_grid_edit_appears_on_another_users_grid_board_and_detail_and_the_writers_grid_loads_once()
    {
        await App.CreateUserAsync("xem", Password, Rights.CustomersAccess | Rights.CustomersViewAll, "Lê Thị Xem");
        var admin = await App.AdminIdAsync();
        var customer = await App.CreateCustomerAsync("Đặng Văn Đức", "0912345678", admin);
        await App.CreateCustomerAsync("Trần Thị Ánh", "0987000111", admin);
        var url = App.ServerAddress;

        var viewer = await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1440, Height = 900 } });
        var signIn = await viewer.NewPageAsync();
        await Chromium.SignInAsync(signIn, url, "xem", Password);
        await Assertions.Expect(signIn).ToHaveURLAsync(new Regex("/customers"), new() { Timeout = 30_000 });
        var grid = signIn;
        var board = await viewer.NewPageAsync();
        var detail = await viewer.NewPageAsync();
        await grid.GotoAsync(url + "/customers");
        await board.GotoAsync(url + "/board");
        await detail.GotoAsync($"{url}/customers/{customer}");
        await Assertions.Expect(grid.Locator("[data-testid=customer-grid][data-live=on]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(grid.Locator("tr", new() { HasText = "Đặng Văn Đức" })).ToBeVisibleAsync();
        await Assertions.Expect(board.Locator("[data-testid=board-toolbar][data-live=on]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(detail.Locator(".stream[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var viewerLoads = await grid.GetByTestId("customer-grid").GetAttributeAsync("data-loads");

        var writer = await (await Browser.NewContextAsync(new() { Locale = "vi-VN", ViewportSize = new() { Width = 1440, Height = 900 } })).NewPageAsync();
        await Chromium.SignInAsync(writer, url, DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await Assertions.Expect(writer).ToHaveURLAsync(new Regex("/customers"), new() { Timeout = 30_000 });
        await Assertions.Expect(writer.Locator("[data-testid=customer-grid][data-live=on]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        // Found by its phone: while the name is being edited it is an input's value, not the row's text.
        var row = writer.Locator("tr", new() { HasText = "0912 345 678" });
        await Assertions.Expect(row).ToContainTextAsync("Đặng Văn Đức");
        var writerLoads = await writer.GetByTestId("customer-grid").GetAttributeAsync("data-loads");

        // With the mouse, as a user does: double-click the name, type, Enter.
        await row.Locator("td.f-name").DblClickAsync();
        var editor = row.GetByLabel("Tên");
        await editor.FillAsync("Đặng Văn Đức Anh");
        await editor.PressAsync("Enter");
        await Assertions.Expect(writer.Locator("tr", new() { HasText = "Đặng Văn Đức Anh" })).ToBeVisibleAsync(new() { Timeout = 15_000 });

        // The colleague's three pages show it, none reloaded.
        await Assertions.Expect(grid.Locator("tr", new() { HasText = "Đặng Văn Đức Anh" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(board.Locator($"[data-testid=board-card][data-customer='{customer}']")).ToContainTextAsync("Đặng Văn Đức Anh", new() { Timeout = 15_000 });
        await Assertions.Expect(detail.Locator("h1")).ToHaveTextAsync("Đặng Văn Đức Anh", new() { Timeout = 15_000 });
        await Assertions.Expect(detail.GetByTestId("log").First).ToContainTextAsync("Đặng Văn Đức Anh", new() { Timeout = 15_000 });

        // Give a stray reload time to happen, then check nobody's grid asked for its page again.
        await writer.WaitForTimeoutAsync(1500);
        Assert.Equal(writerLoads, await writer.GetByTestId("customer-grid").GetAttributeAsync("data-loads"));
        Assert.Equal(viewerLoads, await grid.GetByTestId("customer-grid").GetAttributeAsync("data-loads"));

        Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts"));
        await board.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "live-board.png") });
        await detail.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "live-detail.png") });
        await grid.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "live-grid.png") });
    }

    [Fact]
    public async Task Closing_a_tab_ends_its_presence_and_releases_its_subscriptions()
    {
        await App.CreateUserAsync("xem", Password, Rights.CustomersAccess | Rights.CustomersViewAll, "Lê Thị Xem");
        var admin = await App.AdminIdAsync();
        var customer = await App.CreateCustomerAsync("Công ty Hải Âu", "0912111222", admin);
        var url = App.ServerAddress;
        var bus = App.Services.GetRequiredService<ILiveEventBus>();

        var watcher = await (await Browser.NewContextAsync(new() { Locale = "vi-VN" })).NewPageAsync();
        await Chromium.SignInAsync(watcher, url, DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await Assertions.Expect(watcher).ToHaveURLAsync(new Regex("/customers"), new() { Timeout = 30_000 });
        await watcher.GotoAsync($"{url}/customers/{customer}");
        await Assertions.Expect(watcher.Locator(".stream[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        var leaver = await (await Browser.NewContextAsync(new() { Locale = "vi-VN" })).NewPageAsync();
        await Chromium.SignInAsync(leaver, url, "xem", Password);
        await Assertions.Expect(leaver).ToHaveURLAsync(new Regex("/customers"), new() { Timeout = 30_000 });
        await leaver.GotoAsync($"{url}/customers/{customer}");
        await Assertions.Expect(leaver.Locator(".stream[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(watcher.GetByTestId("presence")).ToContainTextAsync("Lê Thị Xem", new() { Timeout = 15_000 });
        var withBoth = bus.Stats.Subscriptions;

        await leaver.CloseAsync();

        // Gone from the other's page, and its circuit no longer subscribed to anything (the circuit itself is kept for a
        // reconnect that will not come).
        await Assertions.Expect(watcher.GetByTestId("presence")).Not.ToContainTextAsync("Lê Thị Xem", new() { Timeout = 15_000 });
        var until = DateTime.UtcNow.AddSeconds(15);
        while (bus.Stats.Subscriptions >= withBoth - 3 && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        // The detail page, its stream, the badge and the bell of the closed tab: four subscriptions let go.
        Assert.True(bus.Stats.Subscriptions <= withBoth - 4, $"{withBoth} subscriptions before, {bus.Stats.Subscriptions} after closing");
    }
}
