using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Catalog;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.Integration.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Catalog;

/// <summary>
/// Settings → Sources and Groups against a real migrated SQLite database: the CRM settings right (R7.2, R7.4), unique
/// names, order, delete only when unused counting the trash (as R2.4), merge moving and logging every customer.
/// </summary>
public sealed class CatalogServiceTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private RecordingBus _bus = null!;
    private CatalogService _catalog = null!;
    private UserAccess _manager = null!;
    private UserAccess _lan = null!;
    private UserAccess _viewer = null!;
    private int _website, _facebook, _zalo;
    private int _vip, _dealers, _retail;
    // Lan's customers: An (Website, VIP), Bình (Website, VIP + Đại lý, in the trash); Minh's: Cường (Facebook, Đại lý).
    private int _an, _binh, _cuong;
    private string _minhId = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var managers = await _db.AddPermissionGroupAsync("Quản lý", Rights.SalesDefault | Rights.CrmSettings);
        var sales = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        var viewers = await _db.AddPermissionGroupAsync("Chỉ xem", Rights.CustomersAccess | Rights.CustomersViewAll);
        var manager = await _db.AddUserAsync("bao", "Trần Quốc Bảo", root.Id, managers.Id);
        var lan = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", root.Id, sales.Id);
        var minh = await _db.AddUserAsync("minh", "Đỗ Văn Minh", root.Id, sales.Id);
        var viewer = await _db.AddUserAsync("xem", "Người Xem", root.Id, viewers.Id);
        _minhId = minh.Id;
        var stage = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);

        await using (var ctx = await _db.Factory.CreateDbContextAsync())
        {
            var sources = new[] { new Source("Website", 0), new Source("Facebook", 1), new Source("Zalo", 2) };
            var groups = new[] { new CustomerGroup("VIP", 0), new CustomerGroup("Đại lý", 1), new CustomerGroup("Khách lẻ", 2) };
            ctx.Sources.AddRange(sources);
            ctx.CustomerGroups.AddRange(groups);
            await ctx.SaveChangesAsync();
            (_website, _facebook, _zalo) = (sources[0].Id, sources[1].Id, sources[2].Id);
            (_vip, _dealers, _retail) = (groups[0].Id, groups[1].Id, groups[2].Id);

            var an = Customer.Create(new CustomerDetails { Name = "Nguyễn Văn An", Phone = "0912000001", SourceId = _website }, stage, lan.Id, lan.Id, DateTime.UtcNow);
            var binh = Customer.Create(new CustomerDetails { Name = "Trần Thị Bình", Phone = "0912000002", SourceId = _website }, stage, lan.Id, lan.Id, DateTime.UtcNow);
            var cuong = Customer.Create(new CustomerDetails { Name = "Lê Văn Cường", Phone = "0912000003", SourceId = _facebook }, stage, minh.Id, minh.Id, DateTime.UtcNow);
            ctx.Customers.AddRange(an, binh, cuong);
            await ctx.SaveChangesAsync();
            an.SetGroups([_vip]);
            binh.SetGroups([_vip, _dealers]);
            cuong.SetGroups([_dealers]);
            binh.MoveToTrash(lan.Id, DateTime.UtcNow);
            await ctx.SaveChangesAsync();
            (_an, _binh, _cuong) = (an.Id, binh.Id, cuong.Id);
        }

        _bus = new RecordingBus();
        _catalog = new CatalogService(_db.Factory, _bus, TimeProvider.System);
        _manager = (await CurrentUser.LoadAsync(_db.Factory, manager.Id))!;
        _lan = (await CurrentUser.LoadAsync(_db.Factory, lan.Id))!;
        _viewer = (await CurrentUser.LoadAsync(_db.Factory, viewer.Id))!;
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<string[]> ActiveNamesAsync(CatalogKind kind) =>
        (await _catalog.ListAsync(_manager, kind)).Select(r => r.Name).ToArray();

    [Theory]
    [InlineData(CatalogKind.Sources)]
    [InlineData(CatalogKind.Groups)]
    public async Task R7_4_without_the_crm_settings_right_nobody_lists_adds_renames_moves_deletes_or_merges(CatalogKind kind)
    {
        var (a, b, unused) = kind == CatalogKind.Sources ? (_website, _facebook, _zalo) : (_vip, _dealers, _retail);
        foreach (var user in new[] { _lan, _viewer })
        {
            await Assert.ThrowsAsync<AccessDeniedException>(() => _catalog.ListAsync(user, kind));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _catalog.AddAsync(user, kind, "Mới"));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _catalog.RenameAsync(user, kind, a, "Đổi tên"));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _catalog.MoveAsync(user, kind, unused, 0));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _catalog.DeleteAsync(user, kind, unused));
            await Assert.ThrowsAsync<AccessDeniedException>(() => _catalog.MergeAsync(user, kind, a, b));
        }

        Assert.Equal(kind == CatalogKind.Sources ? ["Website", "Facebook", "Zalo"] : ["VIP", "Đại lý", "Khách lẻ"], await ActiveNamesAsync(kind));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(_website, (await db.Customers.SingleAsync(c => c.Id == _an)).SourceId);
        Assert.Equal(0, await db.ChangeLog.CountAsync());
        Assert.Empty(_bus.Events);
    }

    [Fact]
    public async Task Lists_in_order_with_counts_that_include_the_trash()
    {
        var sources = await _catalog.ListAsync(_manager, CatalogKind.Sources);
        Assert.Equal([("Website", 2, 1), ("Facebook", 1, 0), ("Zalo", 0, 0)], sources.Select(r => (r.Name, r.Customers, r.InTrash)));
        var groups = await _catalog.ListAsync(_manager, CatalogKind.Groups);
        Assert.Equal([("VIP", 2, 1), ("Đại lý", 2, 1), ("Khách lẻ", 0, 0)], groups.Select(r => (r.Name, r.Customers, r.InTrash)));
    }

    [Theory]
    [InlineData(CatalogKind.Sources, "website", "WEBSITE ", "Facebook")]
    [InlineData(CatalogKind.Groups, "dai ly", "  ĐẠI LÝ", "VIP")]
    public async Task Names_are_unique_without_case_or_diacritics(CatalogKind kind, string clash, string sameUpperCase, string other)
    {
        var id = kind == CatalogKind.Sources ? _website : _dealers;
        Assert.Equal(CatalogRules.NameTaken, (await Assert.ThrowsAsync<DomainException>(() => _catalog.AddAsync(_manager, kind, clash))).Code);
        Assert.Equal(CatalogRules.NameTaken, (await Assert.ThrowsAsync<DomainException>(() => _catalog.RenameAsync(_manager, kind, id, other))).Code);
        Assert.Equal(CatalogRules.NameRequired, (await Assert.ThrowsAsync<DomainException>(() => _catalog.AddAsync(_manager, kind, "  "))).Code);
        Assert.Empty(_bus.Events);

        // Its own name in another case is a rename, not a clash.
        await _catalog.RenameAsync(_manager, kind, id, sameUpperCase);
        Assert.Contains(sameUpperCase.Trim(), await ActiveNamesAsync(kind));
        Assert.Contains(_bus.Events, e => e is CatalogChanged c && c.Kind == kind && c.ByUserId == _manager.UserId);

        var added = await _catalog.AddAsync(_manager, kind, "  Hội thảo  ");
        var rows = await _catalog.ListAsync(_manager, kind);
        Assert.Equal(("Hội thảo", 3), rows.Where(r => r.Id == added).Select(r => (r.Name, r.Position)).Single());
    }

    [Fact]
    public async Task Reorders_densely_and_the_lookups_follow_the_new_order()
    {
        await _catalog.MoveAsync(_manager, CatalogKind.Groups, _retail, 0);
        await _catalog.MoveAsync(_manager, CatalogKind.Sources, _website, 99);

        Assert.Equal(["Khách lẻ", "VIP", "Đại lý"], await ActiveNamesAsync(CatalogKind.Groups));
        Assert.Equal([0, 1, 2], (await _catalog.ListAsync(_manager, CatalogKind.Groups)).Select(r => r.Position));
        Assert.Equal(["Facebook", "Zalo", "Website"], await ActiveNamesAsync(CatalogKind.Sources));
        // The customer list's filters and forms offer them in that order.
        var lookups = await new CustomerService(_db.Factory, TimeProvider.System, _bus).LookupsAsync();
        Assert.Equal(["Khách lẻ", "VIP", "Đại lý"], lookups.Groups.Select(g => g.Name));
        Assert.Equal(["Facebook", "Zalo", "Website"], lookups.Sources.Select(s => s.Name));
        Assert.Equal(2, _bus.Events.OfType<CatalogChanged>().Count());
    }

    [Theory]
    [InlineData(CatalogKind.Sources)]
    [InlineData(CatalogKind.Groups)]
    public async Task Delete_is_refused_while_a_customer_uses_it_counting_the_trash(CatalogKind kind)
    {
        // Website and VIP: one customer live, one in the trash.
        var used = kind == CatalogKind.Sources ? _website : _vip;
        var inUse = await Assert.ThrowsAsync<CatalogInUseException>(() => _catalog.DeleteAsync(_manager, kind, used));
        Assert.Equal(2, inUse.Customers);

        // Only the customer in the trash left: still refused.
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var an = await db.Customers.Include(c => c.Groups).SingleAsync(c => c.Id == _an);
            an.ChangeSource(_zalo, null, DateTime.UtcNow);
            an.SetGroups([]);
            await db.SaveChangesAsync();
        }

        Assert.Equal(1, (await Assert.ThrowsAsync<CatalogInUseException>(() => _catalog.DeleteAsync(_manager, kind, used))).Customers);
        Assert.Empty(_bus.Events);

        // An unused one goes, and the others close the gap.
        var unused = kind == CatalogKind.Sources ? _facebook : _retail;
        if (kind == CatalogKind.Sources)
        {
            await using var db = await _db.Factory.CreateDbContextAsync();
            var cuong = await db.Customers.SingleAsync(c => c.Id == _cuong);
            cuong.ChangeSource(null, null, DateTime.UtcNow);
            await db.SaveChangesAsync();
        }

        await _catalog.DeleteAsync(_manager, kind, unused);
        var rows = await _catalog.ListAsync(_manager, kind);
        Assert.DoesNotContain(rows, r => r.Id == unused);
        Assert.Equal([0, 1], rows.Select(r => r.Position));
        Assert.IsType<CatalogChanged>(Assert.Single(_bus.Events));
        // Deleted, not gone: the change logs that name it keep its name; a new entry may take the name again.
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            Assert.True(kind == CatalogKind.Sources
                ? (await db.Sources.SingleAsync(s => s.Id == unused)).IsDeleted
                : (await db.CustomerGroups.SingleAsync(g => g.Id == unused)).IsDeleted);
        }

        await _catalog.AddAsync(_manager, kind, kind == CatalogKind.Sources ? "Facebook" : "Khách lẻ");
        await Assert.ThrowsAsync<DomainException>(() => _catalog.DeleteAsync(_manager, kind, unused));
    }

    [Fact]
    public async Task Merging_sources_moves_every_customer_logs_each_one_deletes_the_source_and_tells_the_screens()
    {
        int anVersion, binhVersion;
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            anVersion = (await db.Customers.SingleAsync(c => c.Id == _an)).Version;
            binhVersion = (await db.Customers.SingleAsync(c => c.Id == _binh)).Version;
        }

        var moved = await _catalog.MergeAsync(_manager, CatalogKind.Sources, _website, _facebook);

        Assert.Equal(2, moved);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            // Every customer of Website, the one in the trash and those the manager does not own included.
            Assert.Equal(3, await db.Customers.CountAsync(c => c.SourceId == _facebook));
            Assert.Equal(0, await db.Customers.CountAsync(c => c.SourceId == _website));
            Assert.Equal(anVersion + 1, (await db.Customers.SingleAsync(c => c.Id == _an)).Version);
            Assert.Equal(binhVersion + 1, (await db.Customers.SingleAsync(c => c.Id == _binh)).Version);
            Assert.True((await db.Sources.SingleAsync(s => s.Id == _website)).IsDeleted);
            var logs = await db.ChangeLog.OrderBy(l => l.CustomerId).ToListAsync();
            Assert.Equal([_an, _binh], logs.Select(l => l.CustomerId));
            Assert.All(logs, l =>
            {
                Assert.Equal(("SourceId", Id(_website), Id(_facebook), CatalogService.OriginMerge, _manager.UserId), (l.Field, l.OldValue, l.NewValue, l.Origin, l.UserId));
            });
        }

        Assert.Equal([("Facebook", 3, 1), ("Zalo", 0, 0)], (await _catalog.ListAsync(_manager, CatalogKind.Sources)).Select(r => (r.Name, r.Customers, r.InTrash)));
        Assert.Equal([0, 1], (await _catalog.ListAsync(_manager, CatalogKind.Sources)).Select(r => r.Position));
        var customers = Assert.Single(_bus.Events.OfType<CustomersChanged>());
        Assert.Equal([_an, _binh], customers.CustomerIds.Order());
        Assert.Equal((ChangeKinds.Updated, CustomerChange.Links), (customers.Kind, customers.Changes));
        var merged = Assert.Single(_bus.Events.OfType<CatalogChanged>());
        Assert.Equal(new CatalogChanged(CatalogKind.Sources, _manager.UserId, _website, _facebook), merged);
        // A screen filtered on Website follows its customers to Facebook; a filter on a deleted entry is dropped, on a
        // living one kept; a group merge says nothing about sources.
        bool Exists(int id) => id == _facebook || id == _zalo;
        Assert.Equal(_facebook, CatalogChanged.Follow(_website, CatalogKind.Sources, [merged], Exists));
        Assert.Equal(_zalo, CatalogChanged.Follow(_zalo, CatalogKind.Sources, [merged], Exists));
        Assert.Null(CatalogChanged.Follow(_website, CatalogKind.Sources, [new CatalogChanged(CatalogKind.Sources, null, DeletedId: _website)], Exists));
        Assert.Null(CatalogChanged.Follow(null, CatalogKind.Sources, [merged], Exists));
        // Gone, but the event saying where is still on its way (the screen reloaded its choices for an earlier change,
        // a rename, and the merge had already happened): the filter waits for it instead of being dropped. After a resync
        // (events lost) it is dropped.
        Assert.Equal(_website, CatalogChanged.Follow(_website, CatalogKind.Groups, [merged], Exists));
        Assert.Equal(_website, CatalogChanged.Follow(_website, CatalogKind.Sources, [new CatalogChanged(CatalogKind.Sources, null)], Exists));
        Assert.Null(CatalogChanged.Follow(_website, CatalogKind.Sources, [], Exists, resync: true));
        // Forms and filters no longer offer it.
        var lookups = await new CustomerService(_db.Factory, TimeProvider.System, _bus).LookupsAsync();
        Assert.DoesNotContain(lookups.Sources, s => s.Name == "Website");
    }

    [Fact]
    public async Task Merging_groups_keeps_one_membership_for_a_customer_in_both_and_the_stream_names_the_groups()
    {
        // VIP (An; Bình, who is also in Đại lý) into Đại lý (Bình, Cường).
        var moved = await _catalog.MergeAsync(_manager, CatalogKind.Groups, _vip, _dealers);

        Assert.Equal(2, moved);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            Assert.Equal([_dealers], await db.CustomerGroupMembers.Where(m => m.CustomerId == _an).Select(m => m.GroupId).ToListAsync());
            Assert.Equal([_dealers], await db.CustomerGroupMembers.Where(m => m.CustomerId == _binh).Select(m => m.GroupId).ToListAsync());
            Assert.Equal(0, await db.CustomerGroupMembers.CountAsync(m => m.GroupId == _vip));
            Assert.True((await db.CustomerGroups.SingleAsync(g => g.Id == _vip)).IsDeleted);
            var logs = await db.ChangeLog.OrderBy(l => l.CustomerId).Select(l => new { l.CustomerId, l.Field, l.OldValue, l.NewValue, l.Origin }).ToListAsync();
            Assert.Equal(
                [new { CustomerId = _an, Field = "Groups", OldValue = (string?)Id(_vip), NewValue = (string?)Id(_dealers), Origin = "merge" },
                 new { CustomerId = _binh, Field = "Groups", OldValue = (string?)$"{_vip},{_dealers}", NewValue = (string?)Id(_dealers), Origin = "merge" }],
                logs);
        }

        Assert.Equal([("Đại lý", 3, 1), ("Khách lẻ", 0, 0)], (await _catalog.ListAsync(_manager, CatalogKind.Groups)).Select(r => (r.Name, r.Customers, r.InTrash)));
        Assert.Equal([_an, _binh], _bus.Events.OfType<CustomersChanged>().Single().CustomerIds.Order());

        // The customer's stream shows the change by the groups' names, as a merge in the settings.
        var comments = new CommentService(_db.Factory, _bus, TimeProvider.System,
            new AttachmentStore(Path.Combine(Path.GetTempPath(), "crm-catalog-attachments"), 1024 * 1024));
        var log = (await comments.GetStreamAsync(_lan, _an, StreamFilter.Logs)).Select(i => i.Log).OfType<LogView>().Single();
        Assert.Equal(("Groups", "VIP", "Đại lý", "merge"), (log.Field, log.OldValue, log.NewValue, log.Origin));
    }

    [Theory]
    [InlineData(CatalogKind.Sources)]
    [InlineData(CatalogKind.Groups)]
    public async Task A_merge_into_itself_or_a_deleted_entry_changes_nothing(CatalogKind kind)
    {
        var (a, gone) = kind == CatalogKind.Sources ? (_website, _zalo) : (_vip, _retail);
        await _catalog.DeleteAsync(_manager, kind, gone);
        _bus.Events.Clear();

        Assert.Equal(CatalogRules.MergeIntoItself, (await Assert.ThrowsAsync<DomainException>(() => _catalog.MergeAsync(_manager, kind, a, a))).Code);
        Assert.Equal(CatalogRules.NotFound, (await Assert.ThrowsAsync<DomainException>(() => _catalog.MergeAsync(_manager, kind, a, gone))).Code);
        Assert.Equal(CatalogRules.NotFound, (await Assert.ThrowsAsync<DomainException>(() => _catalog.MergeAsync(_manager, kind, gone, a))).Code);

        Assert.Equal(2, (await _catalog.ListAsync(_manager, kind)).Single(r => r.Id == a).Customers);
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(0, await db.ChangeLog.CountAsync());
        Assert.Empty(_bus.Events);
    }

    [Fact]
    public async Task A_merge_that_fails_half_way_changes_nothing()
    {
        // A customer of Website whose save fails (its version moved on under the merge, three times over) aborts the
        // whole merge: nobody moved, nothing logged, Website still there.
        var interfering = new InterferingFactory(_db.Factory, _an);
        var catalog = new CatalogService(interfering, _bus, TimeProvider.System);

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => catalog.MergeAsync(_manager, CatalogKind.Sources, _website, _facebook));

        Assert.Equal(3, interfering.Interferences);
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(2, await db.Customers.CountAsync(c => c.SourceId == _website));
        Assert.False((await db.Sources.SingleAsync(s => s.Id == _website)).IsDeleted);
        Assert.Equal(0, await db.ChangeLog.CountAsync(l => l.Origin == CatalogService.OriginMerge));
        Assert.Empty(_bus.Events);
    }

    private static string Id(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Hands out contexts whose first save of a batch of customers is preceded by another save of one of them (as if a
    /// colleague edited it at that moment), outside the merge's transaction.
    /// </summary>
    private sealed class InterferingFactory(IDbContextFactory<Data.CrmDbContext> inner, int customerId) : IDbContextFactory<Data.CrmDbContext>
    {
        public int Interferences { get; private set; }

        public Data.CrmDbContext CreateDbContext()
        {
            var db = inner.CreateDbContext();
            db.SavingChanges += (_, _) =>
            {
                if (db.ChangeTracker.Entries<Customer>().Any(e => e.Entity.Id == customerId && e.State == EntityState.Modified))
                {
                    Interferences++;
                    // A bump of the version behind the merge's back, on the merge's own connection (SQLite allows one writer).
                    db.Database.ExecuteSqlRaw("UPDATE \"Customers\" SET \"Version\" = \"Version\" + 1 WHERE \"Id\" = {0}", customerId);
                }
            };
            return db;
        }
    }
}
