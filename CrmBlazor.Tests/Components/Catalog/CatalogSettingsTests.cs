using System.Globalization;
using System.Security.Claims;
using Bunit;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Catalog;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;

namespace CrmBlazor.Tests.Components.Catalog;

/// <summary>
/// Settings → Sources and Groups with a real database, in Vietnamese: counts with the trash and links to the list, add
/// and rename with their validation, order by the arrows and by drag and drop, delete only when unused (with a
/// confirmation), merge through its dialog, the empty state, another manager's change arriving live.
/// </summary>
public sealed class CatalogSettingsTests : MudTestContext, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private TestDatabase _db = null!;
    private StaffProfile _manager = null!;
    private StaffProfile _lan = null!;
    private int _website, _facebook, _zalo, _vip, _dealers;

    public CatalogSettingsTests()
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
        var stage = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        await using (var ctx = await _db.Factory.CreateDbContextAsync())
        {
            var sources = new[] { new Source("Website", 0), new Source("Facebook", 1), new Source("Zalo", 2) };
            var groups = new[] { new CustomerGroup("VIP", 0), new CustomerGroup("Đại lý", 1) };
            ctx.Sources.AddRange(sources);
            ctx.CustomerGroups.AddRange(groups);
            await ctx.SaveChangesAsync();
            (_website, _facebook, _zalo, _vip, _dealers) = (sources[0].Id, sources[1].Id, sources[2].Id, groups[0].Id, groups[1].Id);
            var an = Customer.Create(new CustomerDetails { Name = "Nguyễn Văn An", Phone = "0912000001", SourceId = _website }, stage, _lan.Id, _lan.Id, DateTime.UtcNow);
            var binh = Customer.Create(new CustomerDetails { Name = "Trần Thị Bình", Phone = "0912000002", SourceId = _website }, stage, _lan.Id, _lan.Id, DateTime.UtcNow);
            ctx.Customers.AddRange(an, binh);
            await ctx.SaveChangesAsync();
            an.SetGroups([_vip]);
            binh.SetGroups([_vip, _dealers]);
            binh.MoveToTrash(_lan.Id, DateTime.UtcNow);
            await ctx.SaveChangesAsync();
        }

        Services.AddSingleton(_db.Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<ILiveEventBus>(new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance));
        Services.AddScoped<CurrentUser>();
        Services.AddCatalogFeature();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    private IRenderedComponent<CatalogSettings> RenderAs(StaffProfile user, CatalogKind kind)
    {
        SignIn(user);
        return Render<CatalogSettings>(p => p.Add(x => x.Kind, kind));
    }

    private void SignIn(StaffProfile user)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(user.UserName);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id));
    }

    private static string[] Names(IRenderedComponent<CatalogSettings> cut) =>
        cut.FindAll("[data-testid=catalog-row]").Select(r => r.GetAttribute("aria-label")!).ToArray();

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<CatalogSettings> cut, int id) =>
        cut.Find($"[data-testid=catalog-row][data-entry='{id}']");

    private static AngleSharp.Dom.IElement Input(IRenderedComponent<CatalogSettings> cut, string testId) =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input");

    private static Task ClickAsync(IRenderedComponent<CatalogSettings> cut, string ariaLabel) =>
        cut.Find($"button[aria-label='{ariaLabel}']").ClickAsync(new MouseEventArgs());

    private async Task<int[]> StoredSourceOrderAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return await db.Sources.Where(s => !s.IsDeleted).OrderBy(s => s.Position).Select(s => s.Id).ToArrayAsync();
    }

    [Fact]
    public async Task Lists_sources_with_counts_that_include_the_trash_links_to_the_list_and_reorders_with_the_arrows()
    {
        var cut = RenderAs(_manager, CatalogKind.Sources);
        cut.WaitForAssertion(() => Assert.Equal(["Website", "Facebook", "Zalo"], Names(cut)), Wait);
        Assert.Contains("Nguồn khách hàng", cut.Markup, StringComparison.Ordinal);

        var website = Row(cut, _website).QuerySelector("[data-testid=catalog-count]")!;
        Assert.Contains("2 khách hàng", website.TextContent, StringComparison.Ordinal);
        Assert.Contains("1 trong thùng rác", website.TextContent, StringComparison.Ordinal);
        Assert.Equal($"/customers?source={_website}", website.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("Chưa có khách hàng", Row(cut, _zalo).TextContent, StringComparison.Ordinal);
        Assert.Null(Row(cut, _zalo).QuerySelector("[data-testid=catalog-count] a"));
        // The first cannot go up, the last cannot go down.
        Assert.True(cut.Find("button[aria-label='Chuyển Website lên']").HasAttribute("disabled"));
        Assert.True(cut.Find("button[aria-label='Chuyển Zalo xuống']").HasAttribute("disabled"));

        await ClickAsync(cut, "Chuyển Zalo lên");
        cut.WaitForAssertion(() => Assert.Equal(["Website", "Zalo", "Facebook"], Names(cut)), Wait);
        Assert.Equal([_website, _zalo, _facebook], await StoredSourceOrderAsync());
    }

    [Fact]
    public async Task Dragging_the_first_row_below_the_last_reorders_the_sources()
    {
        var cut = RenderAs(_manager, CatalogKind.Sources);
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Length), Wait);
        // The zone starts with a preview item of its own: drag the row's item.
        var items = cut.FindAll(".mud-drop-item").Where(e => e.QuerySelector("[data-testid=catalog-row]") is not null).ToList();
        await items[0].DragStartAsync(new DragEventArgs());
        await cut.FindAll(".mud-drop-item").Last().DragEnterAsync(new DragEventArgs());
        await cut.Find(".mud-drop-zone").DropAsync(new DragEventArgs());

        cut.WaitForAssertion(() => Assert.Equal(["Facebook", "Zalo", "Website"], Names(cut)), Wait);
        Assert.Equal([_facebook, _zalo, _website], await StoredSourceOrderAsync());
    }

    [Fact]
    public async Task Adds_with_validation_and_renames_in_place()
    {
        var cut = RenderAs(_manager, CatalogKind.Sources);
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Length), Wait);

        await cut.Find("[data-testid=catalog-add]").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Contains("Hãy nhập tên.", cut.Markup, StringComparison.Ordinal), Wait);

        // The same name without case or diacritics, by Enter in the field.
        Input(cut, "catalog-new-name").Input("  WEBSITE ");
        await Input(cut, "catalog-new-name").KeyDownAsync(new KeyboardEventArgs { Key = "Enter" });
        cut.WaitForAssertion(() => Assert.Contains("Đã có nguồn khác trùng tên.", cut.Markup, StringComparison.Ordinal), Wait);
        Assert.Equal(3, Names(cut).Length);

        // Typing again clears the message.
        Input(cut, "catalog-new-name").Input("Hội thảo");
        cut.WaitForAssertion(() => Assert.DoesNotContain("Đã có nguồn khác trùng tên.", cut.Markup, StringComparison.Ordinal), Wait);
        await cut.Find("[data-testid=catalog-add]").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Equal(["Website", "Facebook", "Zalo", "Hội thảo"], Names(cut)), Wait);
        Assert.DoesNotContain("trùng tên", cut.Markup, StringComparison.Ordinal);
        Assert.Equal(string.Empty, Input(cut, "catalog-new-name").GetAttribute("value") ?? string.Empty);

        // Rename: the row becomes a field; a clash is said there; Enter saves.
        await ClickAsync(cut, "Đổi tên Facebook");
        Input(cut, "catalog-rename").Input("zalo");
        await Input(cut, "catalog-rename").KeyDownAsync(new KeyboardEventArgs { Key = "Enter" });
        cut.WaitForAssertion(() => Assert.Contains("Đã có nguồn khác trùng tên.", Row(cut, _facebook).TextContent, StringComparison.Ordinal), Wait);
        Input(cut, "catalog-rename").Input("Facebook Ads");
        await Input(cut, "catalog-rename").KeyDownAsync(new KeyboardEventArgs { Key = "Enter" });
        cut.WaitForAssertion(() => Assert.Equal(["Website", "Facebook Ads", "Zalo", "Hội thảo"], Names(cut)), Wait);
        Assert.Empty(cut.FindAll("[data-testid=catalog-rename]"));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal("Facebook Ads", (await db.Sources.SingleAsync(s => s.Id == _facebook)).Name);
    }

    [Fact]
    public async Task Delete_says_why_a_used_source_stays_and_asks_before_deleting_an_unused_one()
    {
        SignIn(_manager);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<CatalogSettings>(p => p.Add(x => x.Kind, CatalogKind.Sources));
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Length), Wait);

        // Used by two customers (one in the trash): no confirmation, the reason, a link to them and a way out.
        await ClickAsync(cut, "Xóa Website");
        cut.WaitForAssertion(() =>
        {
            var alert = cut.Find("[data-testid=catalog-in-use]");
            Assert.Contains("còn 2 khách hàng", alert.TextContent, StringComparison.Ordinal);
            Assert.NotNull(alert.QuerySelector($"a[href='/customers?source={_website}']"));
            Assert.Contains("Gộp vào nguồn khác…", alert.TextContent, StringComparison.Ordinal);
        }, Wait);
        Assert.DoesNotContain("Xóa nguồn", dialogs.Markup, StringComparison.Ordinal);

        // Unused: asked first; "Hủy" keeps it, "Xóa" deletes it.
        var cancel = ClickAsync(cut, "Xóa Zalo");
        dialogs.WaitForAssertion(() => Assert.Contains("Xóa “Zalo”?", dialogs.Markup, StringComparison.Ordinal), Wait);
        await dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Hủy").ClickAsync(new MouseEventArgs());
        await cancel.WaitAsync(Wait);
        Assert.Equal(3, Names(cut).Length);

        var confirm = ClickAsync(cut, "Xóa Zalo");
        dialogs.WaitForAssertion(() => Assert.Contains("Xóa “Zalo”?", dialogs.Markup, StringComparison.Ordinal), Wait);
        await dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Xóa").ClickAsync(new MouseEventArgs());
        await confirm.WaitAsync(Wait);
        cut.WaitForAssertion(() => Assert.Equal(["Website", "Facebook"], Names(cut)), Wait);
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.True((await db.Sources.SingleAsync(s => s.Id == _zalo)).IsDeleted);
    }

    [Fact]
    public async Task Merging_a_group_through_its_dialog_moves_its_customers_and_removes_it()
    {
        SignIn(_manager);
        var dialogs = Render<MudDialogProvider>();
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<CatalogSettings>(p => p.Add(x => x.Kind, CatalogKind.Groups));
        cut.WaitForAssertion(() => Assert.Equal(["VIP", "Đại lý"], Names(cut)), Wait);

        var merging = ClickAsync(cut, "Gộp VIP vào mục khác");
        dialogs.WaitForAssertion(() => Assert.Contains("Gộp nhóm “VIP”", dialogs.Markup, StringComparison.Ordinal), Wait);
        // Nothing chosen yet: the merge button waits.
        var mergeButton = dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Gộp");
        Assert.True(mergeButton.HasAttribute("disabled"));

        await dialogs.Find(".mud-select .mud-input-control").MouseDownAsync(new MouseEventArgs());
        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll(".mud-list-item")), Wait);
        await popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "Đại lý").ClickAsync(new MouseEventArgs());
        dialogs.WaitForAssertion(() => Assert.Contains("Toàn bộ 2 khách hàng của nhóm “VIP” sẽ chuyển sang nhóm “Đại lý”",
            dialogs.Find("[data-testid=catalog-merge-summary]").TextContent, StringComparison.Ordinal), Wait);

        await dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Gộp").ClickAsync(new MouseEventArgs());
        await merging.WaitAsync(Wait);
        cut.WaitForAssertion(() =>
        {
            Assert.Equal(["Đại lý"], Names(cut));
            Assert.Contains("2 khách hàng", Row(cut, _dealers).TextContent, StringComparison.Ordinal);
        }, Wait);
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(0, await db.CustomerGroupMembers.CountAsync(m => m.GroupId == _vip));
        Assert.Equal(2, await db.CustomerGroupMembers.CountAsync(m => m.GroupId == _dealers));
    }

    [Fact]
    public async Task Shows_an_empty_state_when_there_are_no_groups()
    {
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            await db.CustomerGroupMembers.ExecuteDeleteAsync();
            await db.CustomerGroups.ExecuteDeleteAsync();
        }

        var cut = RenderAs(_manager, CatalogKind.Groups);
        cut.WaitForAssertion(() => Assert.Contains("Chưa có nhóm khách hàng nào.", cut.Find("[data-testid=catalog-empty]").TextContent, StringComparison.Ordinal), Wait);
        Assert.Empty(cut.FindAll("[data-testid=catalog-row]"));
        Assert.Contains("Thêm nhóm", cut.Find("[data-testid=catalog-add]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_salesperson_gets_no_list_and_is_told_why()
    {
        var cut = RenderAs(_lan, CatalogKind.Sources);
        cut.WaitForAssertion(() => Assert.Contains("Chỉ người có quyền cài đặt CRM", cut.Find("[data-testid=catalog-denied]").TextContent, StringComparison.Ordinal), Wait);
        Assert.Empty(cut.FindAll("[data-testid=catalog-row]"));
        Assert.Empty(cut.FindAll("[data-testid=catalog-add]"));
        Assert.Empty(cut.FindAll("[data-testid=catalog-empty]"));
    }

    [Fact]
    public async Task A_rename_and_a_reorder_by_another_manager_show_up_live_and_are_highlighted()
    {
        var cut = RenderAs(_manager, CatalogKind.Sources);
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Length), Wait);

        var other = (await CurrentUser.LoadAsync(_db.Factory, (await _db.AddUserAsync("ha", "Nguyễn Thu Hà", (await FirstDepartmentAsync()), await ManagersGroupAsync())).Id))!;
        using var scope = Services.CreateScope();
        var catalog = scope.ServiceProvider.GetRequiredService<CatalogService>();
        await catalog.RenameAsync(other, CatalogKind.Sources, _zalo, "Zalo OA");
        await catalog.MoveAsync(other, CatalogKind.Sources, _zalo, 0);

        cut.WaitForAssertion(() =>
        {
            Assert.Equal(["Zalo OA", "Website", "Facebook"], Names(cut));
            Assert.Contains(Row(cut, _zalo).ClassList, c => c.StartsWith("cat-flash", StringComparison.Ordinal));
        }, Wait);
    }

    private async Task<int> FirstDepartmentAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return (await db.Departments.FirstAsync()).Id;
    }

    private async Task<int> ManagersGroupAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return (await db.PermissionGroups.FirstAsync(g => g.Name == "Quản lý")).Id;
    }
}
