using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Issue 19: saved views of the customer list — a name for the list's URL state, mine, or shared with my department (its
/// members and those of the departments below it see it; other departments do not). Opening a view shows each user only
/// what their own scope allows: a view holds a query, not customers.
/// </summary>
public sealed class SavedViewTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private SavedViewService _views = null!;
    private UserAccess _north = null!, _northSeller = null!, _south = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var north = await _db.AddDepartmentAsync("Miền Bắc", root);
        var hanoi = await _db.AddDepartmentAsync("Hà Nội", north);
        var south = await _db.AddDepartmentAsync("Miền Nam", root);
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        _north = (await CurrentUser.LoadAsync(_db.Factory, (await _db.AddUserAsync("ha", "Nguyễn Thu Hà", north.Id, sales.Id)).Id))!;
        _northSeller = (await CurrentUser.LoadAsync(_db.Factory, (await _db.AddUserAsync("lan", "Nguyễn Thị Lan", hanoi.Id, sales.Id)).Id))!;
        _south = (await CurrentUser.LoadAsync(_db.Factory, (await _db.AddUserAsync("phuc", "Lê Hoàng Phúc", south.Id, sales.Id)).Id))!;
        _views = new SavedViewService(_db.Factory, TimeProvider.System);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task A_view_is_mine_unless_shared_and_a_shared_view_reaches_the_department_below_not_beside()
    {
        var hot = new CustomerListQuery { RelationshipId = 3, DontForget = true, Sort = CustomerSort.LastContact, Descending = true, Page = 4 };
        await _views.SaveAsync(_north, "Khách cần gọi", hot, shareWithDepartment: true);
        await _views.SaveAsync(_north, "Của riêng tôi", new CustomerListQuery { Mine = true }, shareWithDepartment: false);

        var mine = await _views.ListAsync(_north);
        Assert.Equal(["Của riêng tôi", "Khách cần gọi"], mine.Select(v => v.Name));
        Assert.All(mine, v => Assert.True(v.IsMine));
        // The list's state, without its page: a view opens on its first page.
        Assert.Equal(hot with { Page = 0 }, CustomerListUrl.FromUri(CustomerListUrl.Path + mine.Single(v => v.Name == "Khách cần gọi").Query));

        var seller = Assert.Single(await _views.ListAsync(_northSeller));
        Assert.Equal(("Khách cần gọi", false, "Nguyễn Thu Hà", "Miền Bắc"), (seller.Name, seller.IsMine, seller.OwnerName, seller.SharedWith));
        Assert.Empty(await _views.ListAsync(_south));

        // Only the owner deletes; saving under the same name replaces.
        Assert.False(await _views.DeleteAsync(_northSeller, seller.Id));
        await _views.SaveAsync(_north, "Khách cần gọi", new CustomerListQuery { Unassigned = true }, shareWithDepartment: false);
        Assert.Empty(await _views.ListAsync(_northSeller));
        Assert.True(await _views.DeleteAsync(_north, mine.Single(v => v.Name == "Của riêng tôi").Id));
        Assert.Equal("?unassigned=true", Assert.Single(await _views.ListAsync(_north)).Query);
    }

    [Fact]
    public async Task A_view_needs_a_name_of_at_most_100_characters()
    {
        Assert.Equal(RuleCodes.ViewNameRequired, (await Assert.ThrowsAsync<DomainException>(() => _views.SaveAsync(_north, "  ", new CustomerListQuery(), false))).Code);
        Assert.Equal(RuleCodes.ViewNameTooLong, (await Assert.ThrowsAsync<DomainException>(() => _views.SaveAsync(_north, new string('x', 101), new CustomerListQuery(), false))).Code);
    }
}
