using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>Bulk actions with mixed rights (R5.4, R7.3), trash/restore/purge (R6.1-R6.3) and export (rights, formula injection).</summary>
public sealed class CustomerBulkTrashExportTests : IAsyncLifetime
{
    private GridWorld _w = null!;

    public async Task InitializeAsync() => _w = await GridWorld.CreateAsync(new CustomerOptions { TrashRetentionDays = 60 });

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task Bulk_relationship_change_applies_to_visible_rows_and_refuses_the_others()
    {
        var ids = new[] { _w.LanCustomer, _w.LanCustomer2, _w.MinhCustomer };
        var result = await _w.Service.BulkAsync(_w.Lan, new BulkRequest(BulkKind.ChangeRelationship, ids, RelationshipId: _w.SecondRelationship));

        Assert.Equal(new BulkResult(Changed: 2, Refused: 1), result);
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        Assert.Equal(_w.SecondRelationship, (await db.Customers.SingleAsync(c => c.Id == _w.LanCustomer)).RelationshipId);
        Assert.Equal(_w.FirstRelationship, (await db.Customers.SingleAsync(c => c.Id == _w.MinhCustomer)).RelationshipId);
        Assert.Equal(2, await db.ChangeLog.CountAsync(l => l.Origin == "bulk" && l.Field == nameof(Customer.RelationshipId)));
        var e = Assert.IsType<CustomersChanged>(Assert.Single(_w.Bus.Events));
        Assert.Equal([_w.LanCustomer, _w.LanCustomer2], e.CustomerIds.Order());
    }

    [Fact]
    public async Task Bulk_needs_the_right_for_the_action()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            _w.Service.BulkAsync(_w.Viewer, new BulkRequest(BulkKind.ChangeOwner, [_w.LanCustomer], OwnerId: _w.Minh.UserId)));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _w.Service.BulkAsync(_w.Viewer, new BulkRequest(BulkKind.Delete, [_w.LanCustomer])));
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        Assert.False((await db.Customers.SingleAsync(c => c.Id == _w.LanCustomer)).IsDeleted);
        Assert.Empty(_w.Bus.Events);
    }

    [Fact]
    public async Task Bulk_on_all_matching_the_filter_changes_owner_and_adds_to_a_group()
    {
        int groupId;
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            var group = new CustomerGroup("Khách VIP");
            db.CustomerGroups.Add(group);
            await db.SaveChangesAsync();
            groupId = group.Id;
        }

        var added = await _w.Service.BulkAsync(_w.Admin, new BulkRequest(BulkKind.AddToGroup, null, new CustomerListQuery { Search = "tran" }, GroupId: groupId));
        Assert.Equal(new BulkResult(1, 0), added);
        Assert.Equal(1, (await _w.Service.ListAsync(_w.Admin, new CustomerListQuery { GroupId = groupId })).Total);

        var owner = await _w.Service.BulkAsync(_w.Admin, new BulkRequest(BulkKind.ChangeOwner, null, new CustomerListQuery { OwnerId = _w.Lan.UserId }, OwnerId: _w.Minh.UserId));
        Assert.Equal(new BulkResult(2, 0), owner);
        Assert.Equal(0, (await _w.Service.CountersAsync(_w.Lan)).All);
        Assert.Equal(3, (await _w.Service.CountersAsync(_w.Minh)).All);
    }

    [Fact]
    public async Task Delete_goes_to_the_trash_with_who_and_when_and_restores()
    {
        var deleted = await _w.Service.BulkAsync(_w.Lan, new BulkRequest(BulkKind.Delete, [_w.LanCustomer, _w.MinhCustomer]));
        Assert.Equal(new BulkResult(1, 1), deleted);
        Assert.Equal(1, (await _w.Service.CountersAsync(_w.Lan)).All);

        var trash = await _w.Service.TrashAsync(_w.Lan, null, 0, 25);
        var row = Assert.Single(trash.Items);
        Assert.Equal(("Đặng Văn Đức", "Nguyễn Thị Lan"), (row.Name, row.DeletedByName));
        Assert.NotNull(row.DeletedAt);
        Assert.Empty((await _w.Service.TrashAsync(_w.Minh, null, 0, 25)).Items);

        var restored = await _w.Service.RestoreAsync(_w.Lan, [_w.LanCustomer]);
        Assert.Equal(new BulkResult(1, 0), restored);
        Assert.Equal(2, (await _w.Service.CountersAsync(_w.Lan)).All);
        Assert.Contains(_w.Bus.Events, e => e is CustomersChanged { Kind: ChangeKinds.Restored });
    }

    [Fact]
    public async Task Purge_needs_the_purge_right_and_removes_every_attached_row()
    {
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            var c = await db.Customers.Include(x => x.Contacts).SingleAsync(x => x.Id == _w.LanCustomer);
            c.AddContact(new Contact("Chị Hoa", phone: "0911222333"));
            c.SetRelatedUsers([_w.Minh.UserId]);
            db.Comments.Add(new Comment(c.Id, _w.Lan.UserId, "Đã gọi", DateTime.UtcNow));
            var referred = await db.Customers.SingleAsync(x => x.Id == _w.LanCustomer2);
            referred.SetReferrer(c.Id, null, _w.Lan.UserId, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        await _w.Service.DeleteAsync(_w.Lan, _w.LanCustomer);
        await Assert.ThrowsAsync<AccessDeniedException>(() => _w.Service.PurgeAsync(_w.Lan, [_w.LanCustomer]));
        var purged = await _w.Service.PurgeAsync(_w.Admin, [_w.LanCustomer, _w.LanCustomer2]);
        // The second one is not in the trash: refused.
        Assert.Equal(new BulkResult(1, 1), purged);

        await using var check = await _w.Db.Factory.CreateDbContextAsync();
        Assert.False(await check.Customers.AnyAsync(x => x.Id == _w.LanCustomer));
        Assert.False(await check.Contacts.AnyAsync(x => x.CustomerId == _w.LanCustomer));
        Assert.False(await check.Comments.AnyAsync(x => x.CustomerId == _w.LanCustomer));
        Assert.False(await check.ChangeLog.AnyAsync(x => x.CustomerId == _w.LanCustomer));
        Assert.False(await check.CustomerRelatedUsers.AnyAsync(x => x.CustomerId == _w.LanCustomer));
        Assert.Null((await check.Customers.SingleAsync(x => x.Id == _w.LanCustomer2)).ReferrerCustomerId);
    }

    [Fact]
    public async Task The_purge_job_removes_trash_older_than_the_retention_only()
    {
        await _w.Service.DeleteAsync(_w.Lan, _w.LanCustomer);
        await _w.Service.DeleteAsync(_w.Lan, _w.LanCustomer2);
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            await db.Customers.Where(c => c.Id == _w.LanCustomer).ExecuteUpdateAsync(s => s.SetProperty(c => c.DeletedAt, DateTime.UtcNow.AddDays(-61)));
            await db.Customers.Where(c => c.Id == _w.LanCustomer2).ExecuteUpdateAsync(s => s.SetProperty(c => c.DeletedAt, DateTime.UtcNow.AddDays(-59)));
        }

        Assert.Equal(1, await _w.Service.PurgeExpiredAsync());
        await using var check = await _w.Db.Factory.CreateDbContextAsync();
        Assert.False(await check.Customers.AnyAsync(x => x.Id == _w.LanCustomer));
        Assert.True(await check.Customers.AnyAsync(x => x.Id == _w.LanCustomer2 && x.IsDeleted));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Export_writes_the_visible_filtered_rows_with_Vietnamese_headers_and_neutralises_formulas(bool csv)
    {
        var v = (await _w.Service.RowAsync(_w.Lan, _w.LanCustomer))!.Version;
        Assert.Equal(SaveStatus.Saved, (await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer, GridFields.Address, "=HYPERLINK(\"http://x\")", v)).Status);
        v = (await _w.Service.RowAsync(_w.Lan, _w.LanCustomer2))!.Version;
        Assert.Equal(SaveStatus.Saved, (await _w.Service.SaveFieldAsync(_w.Lan, _w.LanCustomer2, GridFields.Name, "@SUM(1+1)", v)).Status);

        var path = Path.Combine(Path.GetTempPath(), $"export-test-{Guid.NewGuid():N}.{(csv ? "csv" : "xlsx")}");
        try
        {
            var count = await _w.Service.ExportToFileAsync(_w.Lan, new CustomerListQuery(), path, csv);
            Assert.Equal(2, count);
            var rows = MiniExcel.Query(path, useHeaderRow: true, excelType: csv ? ExcelType.CSV : ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
            Assert.Equal(2, rows.Count);
            Assert.Equal(CustomerService.ExportHeaders, rows[0].Keys);
            // CSV: a leading apostrophe; .xlsx: the exact text in a quote-prefixed text cell (issue 21, XlsxQuotePrefixTests).
            var quote = csv ? "'" : string.Empty;
            Assert.Contains(rows, r => (string?)r["Địa chỉ"] == quote + "=HYPERLINK(\"http://x\")");
            Assert.Contains(rows, r => (string?)r["Tên khách hàng"] == quote + "@SUM(1+1)");
            Assert.DoesNotContain(rows, r => (string?)r["Tên khách hàng"] == "Khách của Minh");
            Assert.Contains(rows, r => (string?)r["Điện thoại"] == "0987 000 111");
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal("'-1+2", CustomerService.Safe("-1+2"));
        Assert.Equal("'+84", CustomerService.Safe("+84"));
        Assert.Equal("'\tx", CustomerService.Safe("\tx"));
        Assert.Equal("'\rx", CustomerService.Safe("\rx"));
        Assert.Equal("Bình thường", CustomerService.Safe("Bình thường"));
        Assert.Equal("''=x", CustomerService.Safe("'=x"));
        Assert.Equal("'x", CustomerService.Safe("'x"));
        Assert.Throws<AccessDeniedException>(() => _w.Service.ExportRows(_w.Viewer, new CustomerListQuery()).ToList());
    }
}
