using System.Globalization;
using System.Security.Claims;
using Bunit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;

namespace CrmBlazor.Tests.Components.Board;

/// <summary>Settings → Relationships with a real database: reorder by drag and drop and by keyboard buttons (R2.2), delete rules (R2.3, R2.4), restore (R2.5).</summary>
public sealed class RelationshipsPageTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase _db = null!;
    private StaffProfile _manager = null!;
    private StaffProfile _lan = null!;
    private int _lead, _contacted, _quoted;

    public RelationshipsPageTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var managers = await _db.AddPermissionGroupAsync("Quản lý", Rights.All);
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        _manager = await _db.AddUserAsync("bao", "Trần Quốc Bảo", root.Id, managers.Id);
        _lan = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        _lead = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        _contacted = await _db.AddRelationshipAsync("Đã liên hệ");
        _quoted = await _db.AddRelationshipAsync("Đã báo giá");
        var trashed = await _db.AddCustomerAsync("Đặng Văn Đức", "0912345678", _contacted, _lan.Id);
        await using (var ctx = await _db.Factory.CreateDbContextAsync())
        {
            var c = await ctx.Customers.SingleAsync(x => x.Id == trashed.Id);
            c.MoveToTrash(_lan.Id, DateTime.UtcNow);
            await ctx.SaveChangesAsync();
        }

        Services.AddSingleton(_db.Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<ILiveEventBus>(new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance));
        Services.AddScoped<CurrentUser>();
        Services.AddBoardFeature();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    private IRenderedComponent<RelationshipsPage> RenderAs(StaffProfile user)
    {
        SignIn(user);
        return Render<RelationshipsPage>();
    }

    private void SignIn(StaffProfile user)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(user.UserName);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id));
    }

    private static List<AngleSharp.Dom.IElement> Rows(IRenderedComponent<RelationshipsPage> cut) =>
        cut.FindAll(".mud-drop-item").Where(e => e.QuerySelector("[data-testid=relationship-row]") is not null).ToList();

    private static string[] Names(IRenderedComponent<RelationshipsPage> cut) =>
        cut.FindAll("[data-testid=relationship-row]").Select(r => r.GetAttribute("aria-label")!).ToArray();

    private async Task<int[]> StoredOrderAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => r.Id).ToArrayAsync();
    }

    [Fact]
    public async Task Lists_in_order_with_counts_that_include_the_trash_and_reorders_with_the_keyboard_buttons()
    {
        var cut = RenderAs(_manager);
        cut.WaitForAssertion(() => Assert.Equal(["Tiềm năng", "Đã liên hệ", "Đã báo giá"], Names(cut)), TimeSpan.FromSeconds(10));
        var contacted = cut.Find($"[data-testid=relationship-row][data-relationship='{_contacted}']");
        Assert.Contains("1 khách hàng", contacted.QuerySelector("[data-testid=relationship-count]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal($"/customers?relationship={_contacted}", contacted.QuerySelector("[data-testid=relationship-count]")!.GetAttribute("href"));
        // The first relationship has no delete button (R2.3).
        Assert.Empty(cut.FindAll("button[aria-label='Xóa Tiềm năng']"));

        await cut.Find("button[aria-label='Chuyển Đã báo giá lên']").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Equal(["Tiềm năng", "Đã báo giá", "Đã liên hệ"], Names(cut)), TimeSpan.FromSeconds(10));
        Assert.Equal([_lead, _quoted, _contacted], await StoredOrderAsync());
    }

    [Fact]
    public async Task Dragging_the_first_row_below_the_last_reorders_the_pipeline()
    {
        var cut = RenderAs(_manager);
        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count), TimeSpan.FromSeconds(10));
        await Rows(cut)[0].DragStartAsync(new DragEventArgs());
        // Over the last row: the zone's reorder index follows the pointer; then drop on the zone (MudBlazor DropZoneTests).
        await cut.FindAll(".mud-drop-item").Last().DragEnterAsync(new DragEventArgs());
        await cut.Find(".mud-drop-zone").DropAsync(new DragEventArgs());

        cut.WaitForAssertion(() => Assert.Equal(["Đã liên hệ", "Đã báo giá", "Tiềm năng"], Names(cut)), TimeSpan.FromSeconds(10));
        Assert.Equal([_contacted, _quoted, _lead], await StoredOrderAsync());
    }

    [Fact]
    public async Task Delete_asks_first_refuses_a_used_one_with_its_count_and_restores_from_deleted()
    {
        SignIn(_manager);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<RelationshipsPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Length), TimeSpan.FromSeconds(10));

        // R2.4: used by one customer in the trash.
        // The click waits for the confirmation: answer the dialog, then let the click finish.
        var askUsed = cut.Find("button[aria-label='Xóa Đã liên hệ']").ClickAsync(new MouseEventArgs());
        dialogs.WaitForAssertion(() => Assert.Contains("Xóa “Đã liên hệ”?", dialogs.Markup, StringComparison.Ordinal));
        await dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Xóa").ClickAsync(new MouseEventArgs());
        await askUsed.WaitAsync(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() =>
        {
            var alert = cut.Find("[data-testid=relationship-in-use]");
            Assert.Contains("còn 1 khách hàng", alert.TextContent, StringComparison.Ordinal);
            Assert.NotNull(alert.QuerySelector($"a[href='/customers?relationship={_contacted}']"));
        }, TimeSpan.FromSeconds(10));

        // An unused one: confirmed, moved to "Deleted", then restored at the end.
        // The click waits for the confirmation: answer the dialog, then let the click finish.
        var askUnused = cut.Find("button[aria-label='Xóa Đã báo giá']").ClickAsync(new MouseEventArgs());
        dialogs.WaitForAssertion(() => Assert.Contains("Xóa “Đã báo giá”?", dialogs.Markup, StringComparison.Ordinal));
        await dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Xóa").ClickAsync(new MouseEventArgs());
        await askUnused.WaitAsync(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=deleted-relationship-row]")), TimeSpan.FromSeconds(10));
        Assert.Equal(["Tiềm năng", "Đã liên hệ"], Names(cut));

        await cut.Find("button[aria-label='Khôi phục Đã báo giá']").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Equal(["Tiềm năng", "Đã liên hệ", "Đã báo giá"], Names(cut)), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=deleted-relationship-row]"));
    }

    [Fact]
    public async Task Adds_a_relationship_and_refuses_a_duplicate_name_without_diacritics()
    {
        var cut = RenderAs(_manager);
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Length), TimeSpan.FromSeconds(10));

        await cut.FindAll("button").Single(b => b.TextContent.Trim() == "Thêm mối quan hệ").ClickAsync(new MouseEventArgs());
        cut.Find("input[maxlength='100']").Change("da lien he");
        await cut.FindAll("button").Single(b => b.TextContent.Trim() == "Lưu").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Contains("Đã có mối quan hệ khác trùng tên.", cut.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        cut.Find("input[maxlength='100']").Change("Đàm phán");
        await cut.FindAll("button").Single(b => b.TextContent.Trim() == "Lưu").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Equal(["Tiềm năng", "Đã liên hệ", "Đã báo giá", "Đàm phán"], Names(cut)), TimeSpan.FromSeconds(10));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(3, (await db.Relationships.SingleAsync(r => r.Name == "Đàm phán")).Position);
    }

    [Fact]
    public async Task A_reorder_by_another_manager_reorders_the_open_settings_list_and_highlights_it()
    {
        var cut = RenderAs(_manager);
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Length), TimeSpan.FromSeconds(10));
        int departmentId, groupId;
        await using (var ctx = await _db.Factory.CreateDbContextAsync())
        {
            departmentId = (await ctx.Departments.FirstAsync()).Id;
            groupId = (await ctx.PermissionGroups.FirstAsync(g => g.Name == "Quản lý")).Id;
        }

        var other = await _db.AddUserAsync("ha", "Nguyễn Thị Thu Hà", departmentId, groupId);
        var access = (await CurrentUser.LoadAsync(_db.Factory, other.Id))!;
        using var scope = Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<RelationshipService>().MoveAsync(access, _quoted, 0);

        cut.WaitForAssertion(() =>
        {
            Assert.Equal(["Đã báo giá", "Tiềm năng", "Đã liên hệ"], Names(cut));
            Assert.Contains("rel-flash", cut.Find($"[data-testid=relationship-row][data-relationship='{_quoted}']").ClassList);
        }, TimeSpan.FromSeconds(5));
    }
}
