using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Board;

/// <summary>The board and relationship services against a real migrated SQLite database: rights (R2.1, R7.3, R7.4), R2.4, paging, live events.</summary>
public sealed class BoardServiceTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private List<LiveEvent> _events = [];
    private BoardService _board = null!;
    private RelationshipService _relationships = null!;
    private UserAccess _manager = null!;
    private UserAccess _lan = null!;
    private UserAccess _minh = null!;
    private UserAccess _viewer = null!;
    private int _lead, _contacted, _quoted;
    private Customer _lansCustomer = null!;
    private Customer _minhsCustomer = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var managers = await _db.AddPermissionGroupAsync("Quản lý", Rights.SalesDefault | Rights.CustomersViewAll | Rights.CrmSettings);
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        var viewers = await _db.AddPermissionGroupAsync("Chỉ xem", Rights.CustomersAccess | Rights.CustomersViewAll);
        var manager = await _db.AddUserAsync("bao", "Trần Quốc Bảo", root.Id, managers.Id);
        var lan = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        var minh = await _db.AddUserAsync("minh", "Đỗ Văn Minh", root.Id, sales.Id);
        var viewer = await _db.AddUserAsync("xem", "Người Xem", root.Id, viewers.Id);
        _lead = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        _contacted = await _db.AddRelationshipAsync("Đã liên hệ");
        _quoted = await _db.AddRelationshipAsync("Đã báo giá");
        _lansCustomer = await _db.AddCustomerAsync("Đặng Văn Đức", "0912345678", _lead, lan.Id);
        await _db.AddCustomerAsync("Trần Thị Ánh", "0987000111", _lead, lan.Id);
        _minhsCustomer = await _db.AddCustomerAsync("Khách của Minh", "0903000222", _contacted, minh.Id);

        // Records what the services publish, as they publish it.
        var bus = new CrmBlazor.Tests.Integration.Customers.RecordingBus();
        _events = bus.Events;
        _relationships = new RelationshipService(_db.Factory, bus, TimeProvider.System);
        _board = new BoardService(_db.Factory, new CustomerService(_db.Factory, TimeProvider.System, bus), TimeProvider.System, _relationships);
        _manager = (await CurrentUser.LoadAsync(_db.Factory, manager.Id))!;
        _lan = (await CurrentUser.LoadAsync(_db.Factory, lan.Id))!;
        _minh = (await CurrentUser.LoadAsync(_db.Factory, minh.Id))!;
        _viewer = (await CurrentUser.LoadAsync(_db.Factory, viewer.Id))!;
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task R2_1_without_crm_settings_nobody_adds_edits_reorders_deletes_or_restores()
    {
        foreach (var user in new[] { _lan, _viewer })
        {
            await Assert.ThrowsAsync<AccessDeniedException>(() => _relationships.AddAsync(user, "Mới", null, null));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _relationships.EditAsync(user, _quoted, "Đổi tên", null, null));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _relationships.MoveAsync(user, _quoted, 0));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _board.MoveColumnAsync(user, _quoted, 0));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _relationships.DeleteAsync(user, _quoted));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _relationships.RestoreAsync(user, _quoted));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _relationships.ListAsync(user));
        }

        await using var db = await _db.Factory.CreateDbContextAsync();
        var stages = await db.Relationships.OrderBy(r => r.Position).ToListAsync();
        Assert.Equal(["Tiềm năng", "Đã liên hệ", "Đã báo giá"], stages.Select(r => r.Name));
        Assert.All(stages, r => Assert.False(r.IsDeleted));
        Assert.Empty(_events);
    }

    [Fact]
    public async Task R2_2_a_manager_reorders_and_every_board_is_told()
    {
        await _board.MoveColumnAsync(_manager, _quoted, 0);
        var snapshot = await _board.LoadAsync(_lan, new BoardFilter());
        Assert.Equal([_quoted, _lead, _contacted], snapshot.Columns.Select(c => c.Id));
        Assert.Contains(_events, e => e is RelationshipsChanged r && r.ByUserId == _manager.UserId);
        var list = await _relationships.ListAsync(_manager);
        Assert.Equal([0, 1, 2], list.Active.Select(r => r.Position));
    }

    [Fact]
    public async Task R2_3_R2_4_R2_5_delete_counts_the_trash_and_restore_brings_it_back()
    {
        // The first relationship: never.
        var first = await Assert.ThrowsAsync<DomainException>(() => _relationships.DeleteAsync(_manager, _lead));
        Assert.Equal(RuleCodes.FirstRelationshipUndeletable, first.Code);

        // A stage whose only customer sits in the trash still cannot be deleted, and the count says so.
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var c = await db.Customers.SingleAsync(x => x.Id == _minhsCustomer.Id);
            c.MoveToTrash(_minh.UserId, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        // The board counts live customers only, for "view all" (all rows minus the trash) as for everyone else.
        Assert.Equal([2, 0, 0], (await _board.LoadAsync(_manager, new BoardFilter())).Columns.Select(c => c.Count));
        Assert.Equal([2, 0, 0], (await _board.LoadAsync(_manager, new BoardFilter { Search = "0" })).Columns.Select(c => c.Count));

        var inUse = await Assert.ThrowsAsync<RelationshipInUseException>(() => _relationships.DeleteAsync(_manager, _contacted));
        Assert.Equal(1, inUse.Customers);
        var listed = await _relationships.ListAsync(_manager);
        Assert.Equal(1, listed.Active.Single(r => r.Id == _contacted).Customers);

        // An unused one goes to "Deleted", leaves the board, and can be restored at the end.
        await _relationships.DeleteAsync(_manager, _quoted);
        var afterDelete = await _relationships.ListAsync(_manager);
        Assert.Equal(_quoted, Assert.Single(afterDelete.Deleted).Id);
        Assert.DoesNotContain((await _board.LoadAsync(_manager, new BoardFilter())).Columns, c => c.Id == _quoted);

        await _relationships.RestoreAsync(_manager, _quoted);
        var restored = await _relationships.ListAsync(_manager);
        Assert.Empty(restored.Deleted);
        Assert.Equal(_quoted, restored.Active[^1].Id);
    }

    [Fact]
    public async Task R2_1_names_are_unique_among_active_relationships()
    {
        var ex = await Assert.ThrowsAsync<DomainException>(() => _relationships.AddAsync(_manager, "da lien he", "#FF0000", null));
        Assert.Equal(Pipeline.NameTaken, ex.Code);
        var renamed = await Assert.ThrowsAsync<DomainException>(() => _relationships.EditAsync(_manager, _quoted, "TIỀM NĂNG", null, null));
        Assert.Equal(Pipeline.NameTaken, renamed.Code);

        var id = await _relationships.AddAsync(_manager, "Đàm phán", "#fb8c00", "Đang thương lượng giá");
        var row = (await _relationships.ListAsync(_manager)).Active[^1];
        Assert.Equal((id, "Đàm phán", "#FB8C00", "Đang thương lượng giá", 3), (row.Id, row.Name, row.Color, row.Description, row.Position));
    }

    [Fact]
    public async Task R7_4_moving_a_card_needs_the_edit_right()
    {
        var card = (await _board.LoadAsync(_viewer, new BoardFilter())).Cards[_lead].First(c => c.Id == _lansCustomer.Id);
        Assert.Equal(SaveStatus.Denied, (await _board.MoveCardAsync(_viewer, card.Id, _quoted, card.Version)).Status);
        await AssertRelationshipAsync(_lansCustomer.Id, _lead);
    }

    [Fact]
    public async Task R7_3_a_card_outside_the_scope_cannot_be_moved()
    {
        Assert.Equal(SaveStatus.NotFound, (await _board.MoveCardAsync(_lan, _minhsCustomer.Id, _quoted, _minhsCustomer.Version)).Status);
        await AssertRelationshipAsync(_minhsCustomer.Id, _contacted);
        Assert.DoesNotContain(_events, e => e is CustomerChanged);
    }

    [Fact]
    public async Task R2_6_moving_a_card_changes_the_relationship_logs_it_and_tells_the_boards()
    {
        var moved = (await _board.MoveCardAsync(_lan, _lansCustomer.Id, _quoted, _lansCustomer.Version)).Card!;
        Assert.Equal(_quoted, moved.RelationshipId);
        Assert.Equal(_lansCustomer.Version + 1, moved.Version);
        await AssertRelationshipAsync(_lansCustomer.Id, _quoted);
        await using var db = await _db.Factory.CreateDbContextAsync();
        var log = await db.ChangeLog.SingleAsync(l => l.CustomerId == _lansCustomer.Id);
        Assert.Equal(("RelationshipId", "board", _lan.UserId), (log.Field, log.Origin, log.UserId));
        Assert.Contains(_events, e => e is CustomerChanged c && c.CustomerId == _lansCustomer.Id && c.ByUserId == _lan.UserId
            && c.Changes == CustomerChange.Stage && c.Version == moved.Version);
    }

    [Fact]
    public async Task A_card_moved_from_an_outdated_board_reports_who_changed_it()
    {
        var stale = _lansCustomer.Version;
        await _board.MoveCardAsync(_manager, _lansCustomer.Id, _contacted, stale);
        var conflict = await _board.MoveCardAsync(_lan, _lansCustomer.Id, _quoted, stale);
        Assert.Equal(SaveStatus.Conflict, conflict.Status);
        Assert.Equal("Trần Quốc Bảo", conflict.Result.ChangedBy);
        await AssertRelationshipAsync(_lansCustomer.Id, _contacted);
    }

    [Fact]
    public async Task R2_7_counts_are_exact_and_scoped_and_columns_page_by_keyset()
    {
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            for (var i = 0; i < 120; i++)
            {
                db.Customers.Add(Customer.Create(new CustomerDetails { Name = $"Khách {i:D3}", Phone = $"09{i:D8}" }, _quoted, _lan.UserId, _lan.UserId, DateTime.UtcNow));
            }

            await db.SaveChangesAsync();
        }

        var lan = await _board.LoadAsync(_lan, new BoardFilter());
        Assert.Equal([2, 0, 120], lan.Columns.Select(c => c.Count));
        Assert.Equal(122, lan.Total);
        Assert.Equal(BoardService.PageSize, lan.Cards[_quoted].Count);

        var seen = lan.Cards[_quoted].ToList();
        while (true)
        {
            var more = await _board.LoadMoreAsync(_lan, new BoardFilter(), _quoted, seen[^1]);
            if (more.Count == 0)
            {
                break;
            }

            seen.AddRange(more);
        }

        Assert.Equal(120, seen.Select(c => c.Id).Distinct().Count());
        Assert.Equal(seen.OrderBy(c => c.NameKey, StringComparer.Ordinal).Select(c => c.Id), seen.Select(c => c.Id));

        var manager = await _board.LoadAsync(_manager, new BoardFilter());
        Assert.Equal([2, 1, 120], manager.Columns.Select(c => c.Count));
        var mine = await _board.LoadAsync(_minh, new BoardFilter { Mine = true });
        Assert.Equal([0, 1, 0], mine.Columns.Select(c => c.Count));
        var search = await _board.LoadAsync(_manager, new BoardFilter { Search = "dang van duc" });
        Assert.Equal(1, search.Total);
        var byPhone = await _board.LoadAsync(_manager, new BoardFilter { Search = "+84 903 000 222" });
        Assert.Equal(_minhsCustomer.Id, Assert.Single(byPhone.Cards[_contacted]).Id);
        var byOwner = await _board.LoadAsync(_manager, new BoardFilter { OwnerId = _minh.UserId });
        Assert.Equal(1, byOwner.Total);
        Assert.Equal("Đỗ Văn Minh", byOwner.Cards[_contacted][0].OwnerName);

        // The cards first (#25): the same cards in every column as a counted load, no counts yet; the counts on their own.
        foreach (var (user, filter) in new[] { (_manager, new BoardFilter()), (_minh, new BoardFilter { Mine = true }), (_manager, new BoardFilter { Search = "dang van duc" }), (_lan, new BoardFilter()) })
        {
            var counted = await _board.LoadAsync(user, filter);
            var cards = await _board.LoadCardsAsync(user, filter);
            Assert.True(counted.Counted);
            Assert.False(cards.Counted);
            Assert.Equal(counted.Columns.Select(c => c.Id), cards.Columns.Select(c => c.Id));
            Assert.All(cards.Columns, c => Assert.Equal(0, c.Count));
            Assert.Equal(counted.Columns.Select(c => c.Id).Order(), cards.Cards.Keys.Order());
            foreach (var column in counted.Columns)
            {
                Assert.Equal(counted.Cards[column.Id].Select(c => c.Id), cards.Cards[column.Id].Select(c => c.Id));
            }

            var counts = await _board.CountAsync(user, filter, null);
            Assert.Equal(counted.Columns.Select(c => c.Count), counted.Columns.Select(c => counts.GetValueOrDefault(c.Id)));
        }
    }

    private async Task AssertRelationshipAsync(int customerId, int expected)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(expected, await db.Customers.Where(c => c.Id == customerId).Select(c => c.RelationshipId).SingleAsync());
    }
}
