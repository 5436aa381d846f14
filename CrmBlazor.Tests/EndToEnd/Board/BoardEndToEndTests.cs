using System.Text.RegularExpressions;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Playwright;

namespace CrmBlazor.Tests.EndToEnd.Board;

/// <summary>
/// Two people on the board in two browser contexts: a manager (CRM settings right) drags a column to a new place and
/// moves a card; the salesperson's open board shows both without reloading (R2.2, R2.6); the new order survives a
/// restart of the app on the same data folder.
/// </summary>
public sealed class BoardEndToEndTests : IAsyncLifetime
{
    private readonly string _dataFolder = Path.Combine(Path.GetTempPath(), "crmblazor-tests", "board-e2e-" + Guid.NewGuid().ToString("N"));
    private CrmAppFactory? _app;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private Dictionary<string, string?> Settings => new()
    {
        ["Database:DataFolder"] = _dataFolder,
        ["Demo:Enabled"] = "true",
        ["Demo:Customers"] = "60",
    };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataFolder);
        _app = new CrmAppFactory(kestrel: true, Settings);
        _app.StartServer();
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<IPage> OpenBoardAsync(string user, string password)
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await Chromium.SignInAsync(page, _app!.ServerAddress, user, password);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/login"), new() { Timeout = 30_000 });
        await page.GotoAsync(_app.ServerAddress + "/board");
        await Assertions.Expect(page.GetByTestId("board-toolbar")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("board-column")).ToHaveCountAsync(8, new() { Timeout = 30_000 });
        return page;
    }

    private static ILocator Column(IPage page, string name) =>
        page.GetByTestId("board-column").Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true }) });

    private static async Task<string[]> ColumnNamesAsync(IPage page) =>
        (await page.Locator("[data-testid=board-column] .board-column-title").AllInnerTextsAsync()).Select(t => t.Trim()).ToArray();

    /// <summary>The column counts as numbers, and the total chip's number (the cards show first, the counts after: #25).</summary>
    private static async Task<(int[] Columns, int Total)> CountsAsync(IPage page)
    {
        await Assertions.Expect(page.Locator("[data-testid=board-column-count] [role=status]")).ToHaveCountAsync(0);
        var columns = (await page.Locator("[data-testid=board-column-count] b").AllInnerTextsAsync())
            .Select(t => int.Parse(t.Replace(".", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var total = int.Parse(Regex.Match(await page.GetByTestId("board-total").InnerTextAsync(), @"[\d.]+").Value.Replace(".", string.Empty, StringComparison.Ordinal),
            System.Globalization.CultureInfo.InvariantCulture);
        return (columns, total);
    }

    [Fact]
    public async Task An_owner_chosen_with_the_mouse_is_counted_exactly_and_the_owners_board_follows_a_move()
    {
        var lan = await OpenBoardAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        var lans = await CountsAsync(lan);
        Assert.Equal(lans.Columns.Sum(), lans.Total);
        var manager = await OpenBoardAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        var all = await CountsAsync(manager);
        Assert.Equal(all.Columns.Sum(), all.Total);

        // The owner filter with the mouse: the cards first, then the counts of Lan's customers, exact (they sum to the total).
        await manager.GetByTestId("board-filters-button").ClickAsync();
        await manager.Locator(".board-filter").First.ClickAsync();
        await manager.GetByRole(AriaRole.Option, new() { Name = "Nguyễn Thị Lan" }).ClickAsync();
        // As a user sees the list close before reaching for "Xong": a click while the list's overlay is still up lands on
        // the overlay (it closes the list), not on the button.
        await Assertions.Expect(manager.GetByRole(AriaRole.Option, new() { Name = "Nguyễn Thị Lan" })).ToBeHiddenAsync();
        // The chosen owner shows as a chip beside the filters button once the panel is closed.
        await manager.GetByTestId("board-filters-panel").GetByRole(AriaRole.Button, new() { Name = "Xong" }).ClickAsync();
        await Assertions.Expect(manager.GetByTestId("board-filters-panel")).ToHaveCountAsync(0);
        await Assertions.Expect(manager.GetByTestId("board-filter-chip")).ToContainTextAsync("Nguyễn Thị Lan");
        await Assertions.Expect(manager.GetByTestId("board-total")).Not.ToHaveTextAsync(new Regex($"\\b{all.Total}\\b"));
        var filtered = await CountsAsync(manager);
        Assert.Equal(filtered.Columns.Sum(), filtered.Total);
        Assert.InRange(filtered.Total, 1, all.Total - 1);
        await manager.ScreenshotAsync(new() { Path = Path.Combine(Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts")).FullName, "board-owner-filter.png") });

        // The manager moves one of Lan's cards with the mouse (its move list); Lan's own board follows, counts included.
        var card = manager.GetByTestId("board-card").First;
        var customerId = await card.GetAttributeAsync("data-customer");
        var columnIds = await manager.Locator("[data-testid=board-column]").EvaluateAllAsync<string[]>("cs => cs.map(c => c.dataset.relationship)");
        var from = Array.IndexOf(columnIds, await card.EvaluateAsync<string>("e => e.closest('[data-testid=board-column]').dataset.relationship"));
        var to = from == 0 ? 1 : 0;
        await card.GetByTestId("board-card-move").ClickAsync();
        await manager.Locator($"[data-customer='{customerId}'] [data-testid=board-move-target][data-relationship='{columnIds[to]}']").ClickAsync();

        var vi = new System.Globalization.CultureInfo("vi-VN");
        var lanColumn = (int i) => lan.Locator($"[data-testid=board-column][data-relationship='{columnIds[i]}']");
        var lanFrom = Array.IndexOf(await lan.Locator("[data-testid=board-column]").EvaluateAllAsync<string[]>("cs => cs.map(c => c.dataset.relationship)"), columnIds[from]);
        var lanTo = Array.IndexOf(await lan.Locator("[data-testid=board-column]").EvaluateAllAsync<string[]>("cs => cs.map(c => c.dataset.relationship)"), columnIds[to]);
        await Assertions.Expect(lanColumn(to).Locator($"[data-customer='{customerId}']")).ToBeVisibleAsync();
        await Assertions.Expect(lanColumn(from).Locator("[data-testid=board-column-count] b")).ToHaveTextAsync((lans.Columns[lanFrom] - 1).ToString("N0", vi));
        await Assertions.Expect(lanColumn(to).Locator("[data-testid=board-column-count] b")).ToHaveTextAsync((lans.Columns[lanTo] + 1).ToString("N0", vi));
        Assert.Equal(lans.Total, (await CountsAsync(lan)).Total);
        await Assertions.Expect(manager.Locator($"[data-testid=board-column][data-relationship='{columnIds[to]}'] [data-customer='{customerId}']")).ToBeVisibleAsync();
        await lan.ScreenshotAsync(new() { Path = Path.Combine(RepoRoot.Path, "artifacts", "board-owner-after-move.png") });
    }

    [Fact]
    public async Task A_salesperson_moves_a_card_with_the_keyboard_alone()
    {
        var lan = await OpenBoardAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        var card = lan.GetByTestId("board-card").First;
        await Assertions.Expect(card).ToBeVisibleAsync();
        var customerId = await card.GetAttributeAsync("data-customer");
        var name = await card.GetAttributeAsync("aria-label");
        var source = await card.EvaluateAsync<string>("e => e.closest('[data-testid=board-column]').getAttribute('aria-label')");
        var button = card.GetByTestId("board-card-move");
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-label", $"Chuyển {name} sang mối quan hệ khác");

        // Enter opens the card's list with the focus on its first relationship; Escape closes it and gives the focus back.
        await button.FocusAsync();
        await lan.Keyboard.PressAsync("Enter");
        var first = lan.GetByTestId("board-move-target").First;
        await Assertions.Expect(first).ToBeFocusedAsync();
        await Assertions.Expect(lan.GetByTestId("board-move-target")).ToHaveCountAsync(7);
        await lan.Keyboard.PressAsync("Escape");
        await Assertions.Expect(lan.GetByTestId("board-move-targets")).ToHaveCountAsync(0);
        await Assertions.Expect(lan.Locator($"[data-customer='{customerId}'] [data-testid=board-card-move]")).ToBeFocusedAsync();

        // Enter, Tab to the second relationship, Enter: the card moves there and keeps the focus.
        await lan.Keyboard.PressAsync("Enter");
        await Assertions.Expect(lan.GetByTestId("board-move-target").First).ToBeFocusedAsync();
        await lan.Keyboard.PressAsync("Tab");
        var target = (await lan.GetByTestId("board-move-target").Nth(1).InnerTextAsync()).Trim();
        Assert.NotEqual(source, target);
        await lan.Keyboard.PressAsync("Enter");
        var moved = Column(lan, target).Locator($"[data-customer='{customerId}']");
        await Assertions.Expect(moved).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Assertions.Expect(Column(lan, source).Locator($"[data-customer='{customerId}']")).ToHaveCountAsync(0);
        await Assertions.Expect(moved.GetByTestId("board-card-move")).ToBeFocusedAsync();
        await Screenshot(lan, "board-keyboard-move.png");
    }

    [Fact]
    public async Task A_manager_reorders_columns_and_moves_a_card_and_the_other_board_follows_live_and_after_a_restart()
    {
        var manager = await OpenBoardAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        var lan = await OpenBoardAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        var first = DatabaseInitializer.DefaultRelationships[0];
        var quoted = DatabaseInitializer.DefaultRelationships[3];
        string[] reordered = [quoted, .. DatabaseInitializer.DefaultRelationships.Where(n => n != quoted)];
        Assert.Equal(DatabaseInitializer.DefaultRelationships, await ColumnNamesAsync(lan));

        // The salesperson cannot start a column drag; the manager can.
        await Assertions.Expect(lan.GetByTestId("board-column-header").First).ToHaveAttributeAsync("draggable", "false");
        await Assertions.Expect(manager.GetByTestId("board-column-header").First).ToHaveAttributeAsync("draggable", "true");

        // 1. The manager drags "Đã báo giá" onto the first column.
        await Column(manager, quoted).GetByTestId("board-column-header").DragToAsync(Column(manager, first).GetByTestId("board-column-header"));
        await Assertions.Expect(manager.Locator("[data-testid=board-column] .board-column-title").First).ToHaveTextAsync(quoted);
        // Lan's board follows without a reload, the moved header highlighted.
        await Assertions.Expect(lan.Locator("[data-testid=board-column] .board-column-title").First).ToHaveTextAsync(quoted, new() { Timeout = 10_000 });
        Assert.Equal(reordered, await ColumnNamesAsync(lan));

        // 2. The manager moves one of Lan's customers to another column.
        var card = lan.GetByTestId("board-card").First;
        await Assertions.Expect(card).ToBeVisibleAsync();
        var customerId = await card.GetAttributeAsync("data-customer");
        var source = await card.EvaluateAsync<string>("e => e.closest('[data-testid=board-column]').getAttribute('aria-label')");
        var target = DatabaseInitializer.DefaultRelationships.First(n => n != source && n != quoted);
        var dragged = manager.Locator($"[data-testid=board-card][data-customer='{customerId}']");
        // By hand with the mouse, to see the column under the card outlined while it is held there (and its own not).
        await dragged.HoverAsync();
        await manager.Mouse.DownAsync();
        var zone = await Column(manager, target).GetByTestId("board-zone").BoundingBoxAsync();
        await manager.Mouse.MoveAsync(zone!.X + (zone.Width / 2), zone.Y + 40, new() { Steps = 8 });
        await manager.Mouse.MoveAsync(zone.X + (zone.Width / 2), zone.Y + 50, new() { Steps = 2 });
        await Assertions.Expect(Column(manager, target)).ToHaveClassAsync(new Regex("column-drop-target"));
        await Assertions.Expect(Column(manager, source!)).Not.ToHaveClassAsync(new Regex("column-drop-target"));
        await manager.Mouse.UpAsync();
        await Assertions.Expect(Column(manager, target).Locator($"[data-customer='{customerId}']")).ToBeVisibleAsync();
        await Assertions.Expect(manager.Locator(".column-drop-target")).ToHaveCountAsync(0);

        var moved = Column(lan, target).Locator($"[data-customer='{customerId}']");
        await Assertions.Expect(moved).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Assertions.Expect(Column(lan, source).Locator($"[data-customer='{customerId}']")).ToHaveCountAsync(0);
        await Assertions.Expect(moved).ToHaveClassAsync(new Regex("board-flash"));
        await Screenshot(lan, "board-live-salesperson.png");
        await Screenshot(manager, "board-manager.png");

        // 3. Restart the app on the same data folder: the order and the move are still there.
        await lan.Context.CloseAsync();
        await manager.Context.CloseAsync();
        await _app!.DisposeAsync();
        _app = new CrmAppFactory(kestrel: true, Settings);
        _app.StartServer();

        var again = await OpenBoardAsync("lan.nguyen", DemoDataSeeder.DemoPassword);
        Assert.Equal(reordered, await ColumnNamesAsync(again));
        await Assertions.Expect(Column(again, target).Locator($"[data-customer='{customerId}']")).ToBeVisibleAsync();
        // The scroll loader script is served next to the page.
        Assert.Equal(200, await again.EvaluateAsync<int>("() => fetch('/CrmBlazor/Features/Board/BoardPage.razor.js').then(r => r.status)"));

        // The settings list shows the same order.
        var admin = await OpenBoardAsync(DatabaseInitializer.AdminUserName, CrmAppFactory.AdminPassword);
        await admin.GotoAsync(_app.ServerAddress + "/settings/relationships");
        await Assertions.Expect(admin.GetByTestId("relationship-row")).ToHaveCountAsync(8);
        Assert.Equal(reordered, (await admin.GetByTestId("relationship-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.getAttribute('aria-label'))")));
        await Screenshot(admin, "relationships-settings.png");
    }

    private static async Task Screenshot(IPage page, string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(RepoRoot.Path, "artifacts")).FullName;
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name), FullPage = true });
    }
}
