using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Issue 19: the customer list remembers the widths a user gives its columns, per user, within sane bounds, and forgets
/// them on request. Keys the grid does not have are refused rather than stored.
/// </summary>
public sealed class ColumnWidthTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private CustomerService _customers = null!;
    private UserAccess _lan = null!, _minh = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        _lan = (await CurrentUser.LoadAsync(_db.Factory, (await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id)).Id))!;
        _minh = (await CurrentUser.LoadAsync(_db.Factory, (await _db.AddUserAsync("minh", "Đỗ Văn Minh", root.Id, sales.Id)).Id))!;
        _customers = new CustomerService(_db.Factory, TimeProvider.System);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Widths_are_per_user_clamped_replaced_and_reset()
    {
        Assert.Empty(await _customers.ColumnWidthsAsync(_lan));

        await _customers.SaveColumnWidthAsync(_lan, "email", 260);
        await _customers.SaveColumnWidthAsync(_lan, "cf:7", 5);
        await _customers.SaveColumnWidthAsync(_lan, "address", 99_999);
        await _customers.SaveColumnWidthAsync(_lan, "email", 310);

        var widths = await _customers.ColumnWidthsAsync(_lan);
        Assert.Equal(310, widths["email"]);
        Assert.Equal(CustomerService.MinColumnWidth, widths["cf:7"]);
        Assert.Equal(CustomerService.MaxColumnWidth, widths["address"]);
        Assert.Empty(await _customers.ColumnWidthsAsync(_minh));

        // The chosen columns are another preference and stay.
        await _customers.SaveColumnsAsync(_lan, ["name", "email"]);
        await _customers.SaveColumnWidthAsync(_lan, "address", null);
        Assert.Equal(["cf:7", "email"], (await _customers.ColumnWidthsAsync(_lan)).Keys.Order());

        await _customers.ResetColumnWidthsAsync(_lan);
        Assert.Empty(await _customers.ColumnWidthsAsync(_lan));
        Assert.Equal(["name", "email"], await _customers.ColumnsAsync(_lan));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Email")]
    [InlineData("email;name=1")]
    [InlineData("cf:x")]
    public async Task An_unknown_column_key_is_refused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _customers.SaveColumnWidthAsync(_lan, key, 200));
        Assert.Empty(await _customers.ColumnWidthsAsync(_lan));
    }
}
