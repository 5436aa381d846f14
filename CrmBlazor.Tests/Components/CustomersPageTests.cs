using System.Globalization;
using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Components;

public sealed class CustomersPageTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase _db = null!;
    private StaffProfile _lan = null!;
    private int _firstRelationship;

    public CustomersPageTests()
    {
        // Set here, not in InitializeAsync: an async method's culture change does not flow back to the test.
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        _lan = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        var other = await _db.AddUserAsync("minh", "Đỗ Văn Minh", root.Id, sales.Id);
        var first = _firstRelationship = await _db.AddRelationshipAsync("Khách hàng tiềm năng", isDefault: true);
        await _db.AddCustomerAsync("Đặng Văn Đức", "0912345678", first, _lan.Id);
        await _db.AddCustomerAsync("Trần Thị Ánh", "0987000111", first, _lan.Id);
        await _db.AddCustomerAsync("Khách của Minh", "0903000222", first, other.Id);

        Services.AddSingleton(_db.Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddScoped<CustomerService>();
        Services.AddScoped<SavedViewService>();
        Services.AddScoped<CurrentUser>();
        // The page subscribes to the live bus since the foundation commit 68a0741; without it the page cannot be built.
        Services.AddSingleton<CrmBlazor.Live.ILiveEventBus>(new CrmBlazor.Live.InProcessLiveEventBus(Microsoft.Extensions.Logging.Abstractions.NullLogger<CrmBlazor.Live.InProcessLiveEventBus>.Instance));
        var auth = AddAuthorization();
        auth.SetAuthorized("lan");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, _lan.Id));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        // MudBlazor registers services that only dispose asynchronously.
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public void Lists_the_customers_the_user_may_see_from_the_database()
    {
        var cut = Render<CustomersPage>();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Đặng Văn Đức", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("Trần Thị Ánh", cut.Markup, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));

        // R7.3: a salesperson without sub-department or view-all rights sees only their own customers.
        Assert.DoesNotContain("Khách của Minh", cut.Markup, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Contains("Tất cả: 2", cut.Find("[data-testid=customer-total]").TextContent, StringComparison.Ordinal));
        // Phones are shown in the national form, names sorted without diacritics (Đặng before Trần).
        Assert.Contains("0912 345 678", cut.Markup, StringComparison.Ordinal);
        Assert.True(cut.Markup.IndexOf("Đặng Văn Đức", StringComparison.Ordinal) < cut.Markup.IndexOf("Trần Thị Ánh", StringComparison.Ordinal));
    }

    [Fact]
    public void A_row_checkbox_selects_its_customer_and_the_header_checkbox_selects_the_page_for_bulk_actions()
    {
        var cut = Render<CustomersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody input[type=checkbox]").Count), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=bulk-count]"));

        // Each row's checkbox is labelled with its customer and carries its id (the page script reads it on a double-click).
        var duc = cut.Find("input[aria-label='Chọn Đặng Văn Đức']");
        using (var db = _db.Factory.CreateDbContext())
        {
            Assert.Equal(db.Customers.Single(c => c.Name == "Đặng Văn Đức").Id.ToString(CultureInfo.InvariantCulture), duc.GetAttribute("value"));
        }

        duc.Change(true);
        cut.WaitForAssertion(() => Assert.Equal("Đã chọn 1", cut.Find("[data-testid=bulk-count]").TextContent.Trim()));
        Assert.True(cut.Find("input[aria-label='Chọn Đặng Văn Đức']").HasAttribute("checked"));

        cut.Find("input[aria-label='Chọn tất cả trên trang này']").Change(true);
        cut.WaitForAssertion(() => Assert.Equal("Đã chọn 2", cut.Find("[data-testid=bulk-count]").TextContent.Trim()));

        cut.Find("input[aria-label='Chọn tất cả trên trang này']").Change(false);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=bulk-count]")));
    }

    [Fact]
    public async Task The_pager_shows_the_exact_total_once_counted_and_keeps_it_while_paging()
    {
        // #25: the rows come first, the total after them; a full page means more may follow, counted apart.
        for (var i = 0; i < 28; i++)
        {
            await _db.AddCustomerAsync($"Khách thêm {i:D2}", $"09330{i:D5}", _firstRelationship, _lan.Id);
        }

        var cut = Render<CustomersPage>();
        cut.WaitForAssertion(() => Assert.Contains("1–25 / 30", cut.Find(".mud-table-pagination").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        // The second page is not full: its rows prove the total, which stays exact.
        // The pager's third button, "next page" (its label is MudBlazor's own text here: bUnit has no app localizer).
        cut.FindAll(".mud-table-pagination-actions button")[2].Click();
        cut.WaitForAssertion(() => Assert.Contains("26–30 / 30", cut.Find(".mud-table-pagination").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_header_sorts_its_column_ascending_then_descending_then_back_to_the_default_order()
    {
        // #25: the grid is the page's own table; its headers sort as MudDataGrid's did (three clicks, back to by name).
        var cut = Render<CustomersPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody input[type=checkbox]").Count), TimeSpan.FromSeconds(10));
        string[] Names() => [.. cut.FindAll("tbody td.f-name").Select(td => td.TextContent.Trim())];
        IElement PhoneHeader() => cut.Find("th.colkey-phone");
        Assert.Equal(["Đặng Văn Đức", "Trần Thị Ánh"], Names());
        Assert.Null(PhoneHeader().GetAttribute("aria-sort"));

        PhoneHeader().QuerySelector("button.grid-sort")!.Click();
        cut.WaitForAssertion(() => Assert.Equal("ascending", PhoneHeader().GetAttribute("aria-sort")), TimeSpan.FromSeconds(10));
        Assert.Equal(["Đặng Văn Đức", "Trần Thị Ánh"], Names());

        PhoneHeader().QuerySelector("button.grid-sort")!.Click();
        cut.WaitForAssertion(() => Assert.Equal("descending", PhoneHeader().GetAttribute("aria-sort")), TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal(["Trần Thị Ánh", "Đặng Văn Đức"], Names()), TimeSpan.FromSeconds(10));
        Assert.Contains("sort=phone", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri, StringComparison.OrdinalIgnoreCase);

        PhoneHeader().QuerySelector("button.grid-sort")!.Click();
        cut.WaitForAssertion(() => Assert.Null(PhoneHeader().GetAttribute("aria-sort")), TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal(["Đặng Văn Đức", "Trần Thị Ánh"], Names()), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_row_shows_what_was_typed_as_text_never_as_markup()
    {
        // The rows' read-only cells are written as markup by the page: every value in them is encoded.
        await _db.AddCustomerAsync("<img src=x onerror=alert(1)> & \"Co\"", "0933000444", _firstRelationship, _lan.Id);
        var cut = Render<CustomersPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("tbody input[type=checkbox]").Count), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("tbody img"));
        Assert.Contains(cut.FindAll("tbody td.f-name"), td => td.TextContent.Trim() == "<img src=x onerror=alert(1)> & \"Co\"");
    }

    [Fact]
    public void Shows_an_empty_state_when_nothing_is_visible()
    {
        using (var ctx = _db.Factory.CreateDbContext())
        {
            ctx.Customers.Where(c => c.OwnerId == _lan.Id).ExecuteDelete();
        }

        var cut = Render<CustomersPage>();
        cut.WaitForAssertion(() => Assert.Contains("Chưa có khách hàng nào.", cut.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }
}
