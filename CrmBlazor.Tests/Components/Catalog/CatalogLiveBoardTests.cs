using System.Globalization;
using System.Security.Claims;
using Bunit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Catalog;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;

namespace CrmBlazor.Tests.Components.Catalog;

/// <summary>
/// An open board hears the settings of sources and groups: a renamed source is offered under its new name, and a board
/// filtered on a group that gets merged follows its customers to the group they went to.
/// </summary>
public sealed class CatalogLiveBoardTests : MudTestContext, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private TestDatabase _db = null!;
    private StaffProfile _manager = null!;
    private int _duc, _anh, _vip, _dealers, _zalo;

    public CatalogLiveBoardTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var managers = await _db.AddPermissionGroupAsync("Quản lý", Rights.All);
        _manager = await _db.AddUserAsync("bao", "Trần Quốc Bảo", root.Id, managers.Id);
        var lead = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        _duc = (await _db.AddCustomerAsync("Đặng Văn Đức", "0912345678", lead, _manager.Id)).Id;
        _anh = (await _db.AddCustomerAsync("Trần Thị Ánh", "0987000111", lead, _manager.Id)).Id;
        await using (var ctx = await _db.Factory.CreateDbContextAsync())
        {
            var vip = new CustomerGroup("VIP", 0);
            var dealers = new CustomerGroup("Đại lý", 1);
            var zalo = new Source("Zalo", 0);
            ctx.AddRange(vip, dealers, zalo);
            await ctx.SaveChangesAsync();
            (_vip, _dealers, _zalo) = (vip.Id, dealers.Id, zalo.Id);
            (await ctx.Customers.Include(c => c.Groups).SingleAsync(c => c.Id == _duc)).SetGroups([_vip]);
            (await ctx.Customers.Include(c => c.Groups).SingleAsync(c => c.Id == _anh)).SetGroups([_dealers]);
            await ctx.SaveChangesAsync();
        }

        Services.AddSingleton(_db.Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<ILiveEventBus>(new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance));
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Customers:DontForgetDays"] = "30" }).Build());
        Services.AddScoped<CurrentUser>();
        Services.AddScoped<CustomerService>();
        Services.AddBoardFeature();
        Services.AddCatalogFeature();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static int[] Cards(IRenderedComponent<BoardPage> cut) =>
        cut.FindAll("[data-testid=board-card]").Select(c => int.Parse(c.GetAttribute("data-customer")!, CultureInfo.InvariantCulture)).Order().ToArray();

    /// <summary>The filter selects of the board's open filters panel (which MudBlazor renders in the popover provider).</summary>
    private static List<AngleSharp.Dom.IElement> Filters(IRenderedComponent<MudPopoverProvider> popovers) =>
        popovers.FindAll(".mud-select .mud-input-control").Where(e => e.ClassList.Contains("board-filter") || e.Closest(".board-filter") is not null).ToList();

    /// <summary>Opens the filters panel if closed, then one of its filters (owner, source, group: 0, 1, 2), and returns
    /// the names it offers.</summary>
    private static async Task<string[]> OpenFilterAsync(IRenderedComponent<BoardPage> cut, IRenderedComponent<MudPopoverProvider> popovers, int index)
    {
        if (popovers.FindAll("[data-testid=board-filters-panel]").Count == 0)
        {
            await cut.Find("[data-testid=board-filters-button]").ClickAsync(new MouseEventArgs());
            popovers.WaitForAssertion(() => Assert.Equal(3, Filters(popovers).Count), Wait);
        }

        await Filters(popovers)[index].MouseDownAsync(new MouseEventArgs());
        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll(".mud-popover-open .mud-list-item")), Wait);
        return popovers.FindAll(".mud-popover-open .mud-list-item").Select(i => i.TextContent.Trim()).ToArray();
    }

    [Fact]
    public async Task A_rename_is_offered_live_and_a_merged_group_filter_follows_its_customers()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(_manager.UserName);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, _manager.Id));
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<BoardPage>();
        cut.WaitForAssertion(() => Assert.Equal([_duc, _anh], Cards(cut)), Wait);

        // Filter on VIP: Đức only.
        Assert.Equal(["VIP", "Đại lý"], await OpenFilterAsync(cut, popovers, 2));
        await popovers.FindAll(".mud-popover-open .mud-list-item").Single(i => i.TextContent.Trim() == "VIP").ClickAsync(new MouseEventArgs());
        cut.WaitForAssertion(() => Assert.Equal([_duc], Cards(cut)), Wait);

        // A manager renames a source and merges VIP into Đại lý in the settings.
        var manager = (await CurrentUser.LoadAsync(_db.Factory, _manager.Id))!;
        using (var scope = Services.CreateScope())
        {
            var catalog = scope.ServiceProvider.GetRequiredService<CatalogService>();
            await catalog.RenameAsync(manager, CatalogKind.Sources, _zalo, "Zalo OA");
            await catalog.MergeAsync(manager, CatalogKind.Groups, _vip, _dealers);
        }

        // The board now filters on Đại lý, where both customers are, without a reload.
        cut.WaitForAssertion(() => Assert.Equal([_duc, _anh], Cards(cut)), Wait);
        popovers.WaitForAssertion(() => Assert.Equal("Đại lý", Filters(popovers)[2].QuerySelector("input")!.GetAttribute("value")), Wait);
        Assert.Equal(["Đại lý"], await OpenFilterAsync(cut, popovers, 2));
        await Filters(popovers)[2].MouseDownAsync(new MouseEventArgs());
        Assert.Equal(["Zalo OA"], await OpenFilterAsync(cut, popovers, 1));
        await Filters(popovers)[1].MouseDownAsync(new MouseEventArgs());

        // The group filtered on is renamed: the filter says its new name.
        using (var scope = Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<CatalogService>().RenameAsync(manager, CatalogKind.Groups, _dealers, "Đại lý cấp 1");
        }

        popovers.WaitForAssertion(() => Assert.Equal("Đại lý cấp 1", Filters(popovers)[2].QuerySelector("input")!.GetAttribute("value")), Wait);
        Assert.Equal([_duc, _anh], Cards(cut));

        // Closed, the panel keeps no select in the circuit; the filter shows as a chip with the group's new name.
        await popovers.FindAll("[data-testid=board-filters-panel] button").Single(b => b.TextContent.Trim() is "Done" or "Xong").ClickAsync(new MouseEventArgs());
        popovers.WaitForAssertion(() => Assert.Empty(Filters(popovers)), Wait);
        cut.WaitForAssertion(() =>
        {
            Assert.Contains(cut.FindAll("[data-testid=board-filter-chip]"), c => c.TextContent.Contains("Đại lý cấp 1", StringComparison.Ordinal));
            Assert.Contains("(1)", cut.Find("[data-testid=board-filters-button]").TextContent, StringComparison.Ordinal);
        }, Wait);
    }
}
