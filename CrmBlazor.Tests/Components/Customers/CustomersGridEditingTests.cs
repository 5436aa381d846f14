using System.Globalization;
using System.Security.Claims;
using Bunit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Components.Customers;

/// <summary>The real customers page on a real database: inline editing end to end inside bUnit (R5.3, R1.4).</summary>
public sealed class CustomersGridEditingTests : MudTestContext, IAsyncLifetime
{
    private TestDatabase _db = null!;
    private int _customerId;

    public CustomersGridEditingTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
    }

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        var lan = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        var first = await _db.AddRelationshipAsync("Khách hàng tiềm năng", isDefault: true);
        _customerId = (await _db.AddCustomerAsync("Đặng Văn Đức", "0912345678", first, lan.Id)).Id;

        Services.AddSingleton(_db.Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<ILiveEventBus>(new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance));
        Services.AddScoped<CustomerService>();
        Services.AddScoped<SavedViewService>();
        Services.AddScoped<CurrentUser>();
        var auth = AddAuthorization();
        auth.SetAuthorized("lan");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, lan.Id));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }

    private string? Phone()
    {
        using var db = _db.Factory.CreateDbContext();
        return db.Customers.AsNoTracking().Single(c => c.Id == _customerId).Phone;
    }

    [Fact]
    public void An_invalid_phone_shows_the_error_in_the_cell_saves_nothing_then_a_valid_one_saves_on_Enter()
    {
        var cut = Render<CustomersPage>();
        cut.WaitForAssertion(() => Assert.Contains("0912 345 678", cut.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        StartEditing(cut, "phone", "Điện thoại");
        cut.Find("input[aria-label='Điện thoại']").Input("12ab");
        cut.Find("input[aria-label='Điện thoại']").KeyDown(new KeyboardEventArgs { Key = "Enter" });
        cut.WaitForAssertion(() => Assert.Equal("Đây không phải số điện thoại.", cut.Find(".cell-error").TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.Equal("+84912345678", Phone());

        cut.Find("input[aria-label='Điện thoại']").KeyDown(new KeyboardEventArgs { Key = "Escape" });
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("input[aria-label='Điện thoại']")));
        Assert.Equal("+84912345678", Phone());

        StartEditing(cut, "phone", "Điện thoại");
        cut.Find("input[aria-label='Điện thoại']").Input("0977 888 999");
        cut.Find("input[aria-label='Điện thoại']").KeyDown(new KeyboardEventArgs { Key = "Enter" });
        cut.WaitForAssertion(() => Assert.Contains("0977 888 999", cut.Find("td.f-phone").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal("+84977888999", Phone());
    }

    [Fact]
    public void Tab_saves_and_opens_the_next_cell()
    {
        var cut = Render<CustomersPage>();
        cut.WaitForAssertion(() => Assert.Contains("Đặng Văn Đức", cut.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        StartEditing(cut, "name", "Tên");
        cut.Find("input[aria-label='Tên']").Input("Đặng Văn Đức Anh");
        cut.Find("input[aria-label='Tên']").KeyDown(new KeyboardEventArgs { Key = "Tab" });
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("input[aria-label='Điện thoại']")), TimeSpan.FromSeconds(10));
        using var db = _db.Factory.CreateDbContext();
        Assert.Equal("Đặng Văn Đức Anh", db.Customers.AsNoTracking().Single(c => c.Id == _customerId).Name);
    }

    /// <summary>Does what the page script does on a double-click (bUnit runs no script): reads the cell's field from its
    /// class and the row's customer from its checkbox, and calls EditCell, until the editor shows.</summary>
    private static void StartEditing(IRenderedComponent<CustomersPage> cut, string field, string label) =>
        cut.WaitForAssertion(() =>
        {
            var cell = cut.Find($"td.f-{field}");
            var id = int.Parse(cell.ParentElement!.QuerySelector("input[type=checkbox]")!.GetAttribute("value")!, System.Globalization.CultureInfo.InvariantCulture);
            cut.InvokeAsync(() => cut.Instance.EditCell(id, field)).GetAwaiter().GetResult();
            Assert.NotEmpty(cut.FindAll($"input[aria-label='{label}']"));
        }, TimeSpan.FromSeconds(10));
}
