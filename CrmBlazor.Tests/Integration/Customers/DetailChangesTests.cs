using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>The detail page changes relationship and owner through the grid's save: same rules, logged as "detail" (R4.1, R4.5).</summary>
public sealed class DetailChangesTests
{
    [Fact]
    public async Task A_relationship_change_from_the_detail_is_checked_versioned_and_logged_as_detail()
    {
        await using var db = await TestDatabase.CreateAsync();
        var root = await db.AddDepartmentAsync("Công ty");
        var sales = await db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        var viewers = await db.AddPermissionGroupAsync("Xem", Rights.CustomersAccess | Rights.CustomersViewAll);
        var lan = await db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        var ha = await db.AddUserAsync("ha", "Thu Hà", root.Id, viewers.Id);
        var first = await db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        var quoted = await db.AddRelationshipAsync("Đã báo giá");
        var customer = await db.AddCustomerAsync("Công ty An Phát", "0912000111", first, lan.Id);
        var service = new CustomerService(db.Factory, TimeProvider.System);
        var owner = (await CurrentUser.LoadAsync(db.Factory, lan.Id))!;
        var viewer = (await CurrentUser.LoadAsync(db.Factory, ha.Id))!;
        var value = quoted.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var saved = await service.SaveFieldAsync(owner, customer.Id, GridFields.Relationship, value, customer.Version, CustomerService.OriginDetail);
        Assert.Equal(SaveStatus.Saved, saved.Status);
        var stale = await service.SaveFieldAsync(owner, customer.Id, GridFields.Relationship, first.ToString(System.Globalization.CultureInfo.InvariantCulture), customer.Version, CustomerService.OriginDetail);
        Assert.Equal(SaveStatus.Conflict, stale.Status);
        Assert.Equal("Đã báo giá", stale.TheirValue);
        Assert.Equal(SaveStatus.Denied, (await service.SaveFieldAsync(viewer, customer.Id, GridFields.Relationship, value, saved.CurrentVersion, CustomerService.OriginDetail)).Status);

        await using var ctx = await db.Factory.CreateDbContextAsync();
        var log = await ctx.ChangeLog.SingleAsync(l => l.CustomerId == customer.Id);
        Assert.Equal(("RelationshipId", "detail"), (log.Field, log.Origin));
    }
}
