using System.Globalization;
using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Components.Board;

/// <summary>
/// The board's drag and drop (the card's dragstart as the page script reports it, Drop on the zone), against a real
/// SQLite database.
/// </summary>
public sealed class BoardPageTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase _db = null!;
    private StaffProfile _lan = null!;
    private StaffProfile _viewer = null!;
    private StaffProfile _manager = null!;
    private int _lead, _contacted, _quoted;
    private int _duc, _anh;
    private readonly InProcessLiveEventBus _bus = new(NullLogger<InProcessLiveEventBus>.Instance);

    public BoardPageTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        var viewers = await _db.AddPermissionGroupAsync("Chỉ xem", Rights.CustomersAccess | Rights.CustomersViewAll);
        var managers = await _db.AddPermissionGroupAsync("Quản lý", Rights.All);
        _lan = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        _viewer = await _db.AddUserAsync("xem", "Người Xem", root.Id, viewers.Id);
        _manager = await _db.AddUserAsync("bao", "Trần Quốc Bảo", root.Id, managers.Id);
        _lead = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        _contacted = await _db.AddRelationshipAsync("Đã liên hệ");
        _quoted = await _db.AddRelationshipAsync("Đã báo giá");
        _duc = (await _db.AddCustomerAsync("Đặng Văn Đức", "0912345678", _lead, _lan.Id)).Id;
        _anh = (await _db.AddCustomerAsync("Trần Thị Ánh", "0987000111", _lead, _lan.Id)).Id;

        Services.AddSingleton(_db.Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<ILiveEventBus>(_bus);
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Customers:DontForgetDays"] = "30" }).Build());
        Services.AddScoped<CurrentUser>();
        Services.AddScoped<CustomerService>();
        Services.AddBoardFeature();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    private IRenderedComponent<BoardPage> RenderAs(StaffProfile user)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(user.UserName);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id));
        var cut = Render<BoardPage>();
        // The cards show first, the counts when the columns are counted.
        cut.WaitForAssertion(() =>
        {
            Assert.Equal(3, cut.FindAll("[data-testid=board-column]").Count);
            Assert.Empty(cut.FindAll("[data-testid=board-column-count] [role=status]"));
        }, TimeSpan.FromSeconds(10));
        return cut;
    }

    [Fact]
    public async Task The_cards_show_before_the_columns_are_counted_and_a_move_meanwhile_is_counted_exactly()
    {
        // #25: counting a million customers per stage was most of opening the board; the cards no longer wait for it.
        await using (var wal = await _db.Factory.CreateDbContextAsync())
        {
            // Readers and the writer side by side, as in the app: the held count reads the database as it was before the move.
            await wal.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        var countRead = new CountGate();
        Services.AddSingleton(_db.FactoryWith(countRead));
        var auth = AddAuthorization();
        auth.SetAuthorized(_lan.UserName);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, _lan.Id));
        var cut = Render<BoardPage>();
        await countRead.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Counting: the cards are there, every count and the total say so, the empty columns already say they are empty.
        cut.WaitForAssertion(() => Assert.NotNull(Column(cut, _lead).QuerySelector($"[data-customer='{_duc}']")), TimeSpan.FromSeconds(10));
        Assert.NotNull(Column(cut, _lead).QuerySelector($"[data-customer='{_anh}']"));
        Assert.All(cut.FindAll("[data-testid=board-column-count]"), c => Assert.Equal("…", c.TextContent.Trim()));
        Assert.Equal("Đang đếm…", cut.Find("[data-testid=board-column-count] [role=status]").GetAttribute("aria-label"));
        Assert.Contains("…", cut.Find("[data-testid=board-total]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Chưa có khách hàng", Column(cut, _quoted).TextContent, StringComparison.Ordinal);

        // Đức moves while the count (read before the move) is still on its way: the page counts again.
        await cut.Instance.ToggleMoveFromScript(_duc);
        await cut.Find($"[data-testid=board-move-target][data-relationship='{_quoted}']").ClickAsync(new MouseEventArgs());
        countRead.Release.SetResult();

        cut.WaitForAssertion(() =>
        {
            Assert.Matches(@"^1\s*·\s*50[.,]0\s*%$", Column(cut, _lead).QuerySelector("[data-testid=board-column-count]")!.TextContent.Trim());
            Assert.Matches(@"^1\s*·\s*50[.,]0\s*%$", Column(cut, _quoted).QuerySelector("[data-testid=board-column-count]")!.TextContent.Trim());
            Assert.Contains("2", cut.Find("[data-testid=board-total]").TextContent, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_card_shows_what_was_typed_as_text_never_as_markup()
    {
        // A card's name and details are written as one piece of markup by the card: every value in it is encoded.
        var typed = "<img src=x onerror=alert(1)> & \"Co\"";
        var id = (await _db.AddCustomerAsync(typed, "0933000444", _lead, _lan.Id)).Id;
        var cut = RenderAs(_lan);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find($"[data-customer='{id}']")), TimeSpan.FromSeconds(10));
        var card = cut.Find($"[data-customer='{id}']");
        Assert.Empty(card.QuerySelectorAll("img"));
        Assert.Equal(typed, card.QuerySelector(".card-name")!.TextContent.Trim());
        Assert.Contains("0933 000 444", card.QuerySelector(".card-meta")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Nguyễn Thị Lan", card.QuerySelector(".card-meta")!.TextContent, StringComparison.Ordinal);
    }

    /// <summary>Holds the board's first count after SQLite has read it (its snapshot taken), until released.</summary>
    private sealed class CountGate : Microsoft.EntityFrameworkCore.Diagnostics.DbCommandInterceptor
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _counts;

        public override async ValueTask<System.Data.Common.DbDataReader> ReaderExecutedAsync(System.Data.Common.DbCommand command,
            Microsoft.EntityFrameworkCore.Diagnostics.CommandExecutedEventData eventData, System.Data.Common.DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("GROUP BY", StringComparison.Ordinal) && Interlocked.Increment(ref _counts) == 1)
            {
                Reached.SetResult();
                await Release.Task;
            }

            return result;
        }
    }

    private static IElement Column(IRenderedComponent<BoardPage> cut, int relationshipId) =>
        cut.Find($"[data-testid=board-column][data-relationship='{relationshipId}']");

    private static IElement DropItem(IRenderedComponent<BoardPage> cut, int customerId) =>
        cut.Find($"[data-testid=board-card][data-customer='{customerId}']");

    [Fact]
    public void Columns_show_name_exact_count_and_share_of_the_visible_customers()
    {
        var cut = RenderAs(_lan);
        var lead = Column(cut, _lead);
        Assert.Contains("Tiềm năng", lead.TextContent, StringComparison.Ordinal);
        Assert.Matches(@"2\s*·\s*100[.,]0\s*%", lead.QuerySelector("[data-testid=board-column-count]")!.TextContent);
        Assert.Matches(@"0\s*·\s*0[.,]0\s*%", Column(cut, _quoted).QuerySelector("[data-testid=board-column-count]")!.TextContent);
        Assert.Contains("0912 345 678", lead.TextContent, StringComparison.Ordinal);
        Assert.Contains("Nguyễn Thị Lan", lead.TextContent, StringComparison.Ordinal);
        // A salesperson may not reorder the pipeline: the headers cannot be dragged.
        Assert.All(cut.FindAll("[data-testid=board-column-header]"), h => Assert.Equal("false", h.GetAttribute("draggable")));
    }

    [Fact]
    public async Task Dragging_a_card_to_another_column_changes_its_relationship()
    {
        var cut = RenderAs(_lan);
        // What the page script does on the browser's dragstart (a card is markup; bUnit runs no script).
        await cut.Instance.CardDragStart(_duc);
        await Column(cut, _quoted).DropAsync(new DragEventArgs());

        await AssertDucMovedToQuotedAsync(cut);
    }

    /// <summary>Đức's card shows in "Đã báo giá" (counted there), and the database says so, logged as a board move.</summary>
    private async Task AssertDucMovedToQuotedAsync(IRenderedComponent<BoardPage> cut, Action? alsoMeanwhile = null)
    {
        cut.WaitForAssertion(() =>
        {
            Assert.NotNull(Column(cut, _quoted).QuerySelector($"[data-customer='{_duc}']"));
            Assert.Null(Column(cut, _lead).QuerySelector($"[data-customer='{_duc}']"));
            Assert.StartsWith("1", Column(cut, _quoted).QuerySelector("[data-testid=board-column-count]")!.TextContent.Trim(), StringComparison.Ordinal);
            alsoMeanwhile?.Invoke();
        }, TimeSpan.FromSeconds(10));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(_quoted, await db.Customers.Where(c => c.Id == _duc).Select(c => c.RelationshipId).SingleAsync());
        Assert.Equal("board", (await db.ChangeLog.SingleAsync(l => l.CustomerId == _duc)).Origin);
    }

    [Fact]
    public async Task A_card_moves_without_dragging_through_its_own_list_of_the_other_relationships()
    {
        var cut = RenderAs(_lan);
        IElement Card() => cut.Find($"[data-customer='{_duc}']");
        var button = Card().QuerySelector("[data-testid=board-card-move]")!;
        Assert.Equal("Chuyển Đặng Văn Đức sang mối quan hệ khác", button.GetAttribute("aria-label"));
        Assert.Equal("false", button.GetAttribute("aria-expanded"));

        // Open (the page script hears a click on the markup card's button): the other two relationships, not the card's
        // own; Escape closes the list and changes nothing.
        Assert.Equal("move", button.GetAttribute("data-script"));
        await cut.Instance.ToggleMoveFromScript(_duc);
        cut.WaitForAssertion(() => Assert.NotNull(Card().QuerySelector("[data-testid=board-move-targets]")));
        Assert.Equal("true", Card().QuerySelector("[data-testid=board-card-move]")!.GetAttribute("aria-expanded"));
        Assert.Equal(["Đã liên hệ", "Đã báo giá"], Card().QuerySelectorAll("[data-testid=board-move-target]").Select(t => t.TextContent.Trim()));
        await Card().QuerySelector("[data-testid=board-move-targets]")!.KeyDownAsync(new KeyboardEventArgs { Key = "Escape" });
        cut.WaitForAssertion(() => Assert.Null(Card().QuerySelector("[data-testid=board-move-targets]")));

        await cut.Instance.ToggleMoveFromScript(_duc);
        cut.WaitForAssertion(() => Assert.NotNull(Card().QuerySelector("[data-testid=board-move-targets]")));
        await Card().QuerySelector($"[data-testid=board-move-target][data-relationship='{_quoted}']")!.ClickAsync(new MouseEventArgs());

        await AssertDucMovedToQuotedAsync(cut, () => Assert.Null(Card().QuerySelector("[data-testid=board-move-targets]")));
    }

    [Fact]
    public async Task Cards_are_markup_and_only_the_card_being_moved_is_a_component()
    {
        // #25: a component per card was most of what an open board kept in its circuit; a card is markup in its column,
        // and the one whose list of places is open is drawn with live buttons until it closes.
        var cut = RenderAs(_lan);
        Assert.Empty(cut.FindComponents<BoardCardView>());
        Assert.Equal(3, cut.FindComponents<BoardZone>().Count);

        await cut.Instance.ToggleMoveFromScript(_duc);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find($"[data-customer='{_duc}'] [data-testid=board-move-targets]")));
        Assert.Equal(_duc, Assert.Single(cut.FindComponents<BoardCardView>()).Instance.Slot.Card.Id);
        // Its own button (a live one now) closes it again.
        Assert.Null(cut.Find($"[data-customer='{_duc}'] [data-testid=board-card-move]").GetAttribute("data-script"));
        await cut.Find($"[data-customer='{_duc}'] [data-testid=board-card-move]").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindComponents<BoardCardView>()));
        Assert.Empty(cut.FindAll("[data-testid=board-move-targets]"));
    }

    [Fact]
    public void Without_the_edit_right_cards_have_no_move_button()
    {
        var cut = RenderAs(_viewer);
        Assert.NotNull(cut.Find($"[data-customer='{_duc}']"));
        Assert.Empty(cut.FindAll("[data-testid=board-card-move]"));
    }

    [Fact]
    public async Task Without_the_edit_right_cards_cannot_be_dragged_and_nothing_changes()
    {
        var cut = RenderAs(_viewer);
        var item = DropItem(cut, _duc);
        Assert.Equal("false", item.GetAttribute("draggable"));
        // Even if a dragstart reached the page (the script sends none for a card that cannot be dragged): refused there.
        await cut.Instance.CardDragStart(_duc);
        await Column(cut, _quoted).DropAsync(new DragEventArgs());

        Assert.NotNull(Column(cut, _lead).QuerySelector($"[data-customer='{_duc}']"));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(_lead, await db.Customers.Where(c => c.Id == _duc).Select(c => c.RelationshipId).SingleAsync());
    }

    [Fact]
    public async Task A_manager_drags_a_column_header_onto_another_column_to_reorder()
    {
        var cut = RenderAs(_manager);
        var header = Column(cut, _quoted).QuerySelector("[data-testid=board-column-header]")!;
        Assert.Equal("true", header.GetAttribute("draggable"));
        await header.DragStartAsync(new DragEventArgs());
        // The column under the pointer is outlined by the page script; only the drop reaches the server.
        Assert.Throws<Bunit.MissingEventHandlerException>(() => Column(cut, _lead).DragOver(new DragEventArgs()));
        await Column(cut, _lead).DropAsync(new DragEventArgs());

        cut.WaitForAssertion(() => Assert.Equal(
            [_quoted.ToString(CultureInfo.InvariantCulture), _lead.ToString(CultureInfo.InvariantCulture), _contacted.ToString(CultureInfo.InvariantCulture)],
            cut.FindAll("[data-testid=board-column]").Select(c => c.GetAttribute("data-relationship"))), TimeSpan.FromSeconds(10));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal([_quoted, _lead, _contacted], await db.Relationships.OrderBy(r => r.Position).Select(r => r.Id).ToListAsync());
    }

    [Fact]
    public async Task Another_users_move_appears_highlighted_without_a_reload()
    {
        var cut = RenderAs(_lan);
        using var scope = Services.CreateScope();
        var board = scope.ServiceProvider.GetRequiredService<BoardService>();
        var manager = (await CurrentUser.LoadAsync(_db.Factory, _manager.Id))!;
        var anh = (await board.LoadAsync(manager, new BoardFilter())).Cards[_lead].Single(c => c.Id == _anh);
        await board.MoveCardAsync(manager, _anh, _contacted, anh.Version);

        cut.WaitForAssertion(() =>
        {
            var card = Column(cut, _contacted).QuerySelector($"[data-customer='{_anh}']");
            Assert.True(card is not null, cut.Markup);
            Assert.Contains("board-flash", card!.ClassList);
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_reorder_by_a_manager_reorders_an_open_board()
    {
        var cut = RenderAs(_lan);
        var manager = (await CurrentUser.LoadAsync(_db.Factory, _manager.Id))!;
        using var scope = Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<RelationshipService>().MoveAsync(manager, _contacted, 2);
        cut.WaitForAssertion(() => Assert.Equal(
            [_lead.ToString(CultureInfo.InvariantCulture), _quoted.ToString(CultureInfo.InvariantCulture), _contacted.ToString(CultureInfo.InvariantCulture)],
            cut.FindAll("[data-testid=board-column]").Select(c => c.GetAttribute("data-relationship"))), TimeSpan.FromSeconds(5));
    }
}
