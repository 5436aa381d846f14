using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Related users (người liên quan, R7.3) through the one write path: the edit right and the scope (R7.4), the version, a
/// log line per user added or removed (R4.5), and the scope's consequences — the user added sees the customer, the user
/// removed no longer does, and their screens hear a scope change.
/// </summary>
public sealed class RelatedUsersTests : IAsyncLifetime
{
    private GridWorld _w = null!;

    public async Task InitializeAsync() => _w = await GridWorld.CreateAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private async Task<int> VersionAsync(int id)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        return await db.Customers.Where(c => c.Id == id).Select(c => c.Version).SingleAsync();
    }

    private async Task<List<string>> RelatedAsync(int id)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        return await db.CustomerRelatedUsers.Where(r => r.CustomerId == id).Select(r => r.UserId).ToListAsync();
    }

    private async Task<bool> MinhSeesLansCustomerAsync() =>
        (await _w.Service.ListAsync(_w.Minh, new CustomerListQuery { PageSize = 50 })).Items.Any(r => r.Id == _w.LanCustomer);

    [Fact]
    public async Task Adding_a_related_user_lets_them_see_the_customer_and_is_logged_and_published_as_a_scope_change()
    {
        Assert.False(await MinhSeesLansCustomerAsync());
        var minhCountBefore = (await _w.Service.CountersAsync(_w.Minh)).All;
        var version = await VersionAsync(_w.LanCustomer);

        var saved = await _w.Service.AddRelatedUserAsync(_w.Lan, _w.LanCustomer, _w.Minh.UserId, version);

        Assert.Equal(SaveStatus.Saved, saved.Status);
        Assert.Equal(version + 1, saved.CurrentVersion);
        Assert.Equal([_w.Minh.UserId], await RelatedAsync(_w.LanCustomer));
        Assert.True(await MinhSeesLansCustomerAsync());
        Assert.Equal(minhCountBefore + 1, (await _w.Service.CountersAsync(_w.Minh)).All);
        Assert.NotNull(await _w.Service.RowAsync(_w.Minh, _w.LanCustomer));

        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            var log = await db.ChangeLog.SingleAsync(l => l.CustomerId == _w.LanCustomer);
            Assert.Equal((Customer.RelatedUserField, (string?)null, _w.Minh.UserId, CustomerService.OriginDetail, _w.Lan.UserId),
                (log.Field, log.OldValue, log.NewValue, log.Origin, log.UserId));
        }

        var changed = Assert.Single(_w.Bus.Events.OfType<CustomerChanged>());
        Assert.Equal(_w.LanCustomer, changed.CustomerId);
        Assert.Equal(CustomerChange.Owner, changed.Changes);
        Assert.Equal(version + 1, changed.Version);
        // Minh's grid and board listen to scope changes; his "new updates" badge to his own topic.
        Assert.Contains(LiveTopics.Customers(CustomerChange.Owner), changed.Topics());
        Assert.Equal(_w.Minh.UserId, Assert.Single(_w.Bus.Events.OfType<UnreadChanged>()).UserId);
    }

    [Fact]
    public async Task Removing_a_related_user_takes_the_customer_out_of_their_scope_and_the_stream_names_both_changes()
    {
        var first = await _w.Service.AddRelatedUserAsync(_w.Lan, _w.LanCustomer, _w.Minh.UserId, await VersionAsync(_w.LanCustomer));
        var removed = await _w.Service.RemoveRelatedUserAsync(_w.Lan, _w.LanCustomer, _w.Minh.UserId, first.CurrentVersion);

        Assert.Equal(SaveStatus.Saved, removed.Status);
        Assert.Empty(await RelatedAsync(_w.LanCustomer));
        Assert.False(await MinhSeesLansCustomerAsync());
        Assert.Null(await _w.Service.RowAsync(_w.Minh, _w.LanCustomer));
        Assert.Equal(2, _w.Bus.Events.OfType<UnreadChanged>().Count(e => e.UserId == _w.Minh.UserId));

        // The stream shows the people by name, not by id.
        var comments = new CommentService(_w.Db.Factory, _w.Bus, TimeProvider.System,
            new AttachmentStore(Path.Combine(Path.GetTempPath(), "crm-related-tests"), 1024));
        var logs = (await comments.GetStreamAsync(_w.Lan, _w.LanCustomer, StreamFilter.Logs)).Select(i => i.Log!).ToList();
        Assert.Equal(2, logs.Count);
        Assert.Equal((null, "Đỗ Văn Minh"), (logs[1].OldValue, logs[1].NewValue));
        Assert.Equal(("Đỗ Văn Minh", null), (logs[0].OldValue, logs[0].NewValue));
    }

    [Fact]
    public async Task A_stale_version_is_a_conflict_that_names_the_related_users_and_saves_nothing()
    {
        var version = await VersionAsync(_w.LanCustomer);
        var first = await _w.Service.SetRelatedUsersAsync(_w.Lan, _w.LanCustomer, [_w.Minh.UserId], version);
        Assert.Equal(SaveStatus.Saved, first.Status);

        var stale = await _w.Service.SetRelatedUsersAsync(_w.Admin, _w.LanCustomer, [_w.Viewer.UserId], version);

        Assert.Equal(SaveStatus.Conflict, stale.Status);
        Assert.Equal("Đỗ Văn Minh", stale.TheirValue);
        Assert.Equal("Nguyễn Thị Lan", stale.ChangedBy);
        Assert.Equal(first.CurrentVersion, stale.CurrentVersion);
        Assert.Equal([_w.Minh.UserId], await RelatedAsync(_w.LanCustomer));
    }

    [Fact]
    public async Task Only_users_who_may_edit_the_customer_change_its_related_users_and_only_to_active_staff()
    {
        var version = await VersionAsync(_w.LanCustomer);

        // The viewer has no edit right: refused before anything is read.
        Assert.Equal(SaveStatus.Denied, (await _w.Service.AddRelatedUserAsync(_w.Viewer, _w.LanCustomer, _w.Viewer.UserId, version)).Status);
        // Minh may edit, but not a customer he cannot see: he cannot make himself related to it.
        Assert.Equal(SaveStatus.NotFound, (await _w.Service.AddRelatedUserAsync(_w.Minh, _w.LanCustomer, _w.Minh.UserId, version)).Status);

        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            (await db.StaffProfiles.SingleAsync(p => p.Id == _w.Viewer.UserId)).Deactivate();
            await db.SaveChangesAsync();
        }

        var inactive = await _w.Service.AddRelatedUserAsync(_w.Lan, _w.LanCustomer, _w.Viewer.UserId, version);
        Assert.Equal((SaveStatus.Invalid, CustomerRuleCodes.RelatedUserUnknown), (inactive.Status, inactive.ErrorCode));
        var unknown = await _w.Service.SetRelatedUsersAsync(_w.Lan, _w.LanCustomer, ["no-such-user"], version);
        Assert.Equal((SaveStatus.Invalid, CustomerRuleCodes.RelatedUserUnknown), (unknown.Status, unknown.ErrorCode));

        Assert.Empty(await RelatedAsync(_w.LanCustomer));
        Assert.Equal(version, await VersionAsync(_w.LanCustomer));
        Assert.Empty(_w.Bus.Events);
        await using var check = await _w.Db.Factory.CreateDbContextAsync();
        Assert.False(await check.ChangeLog.AnyAsync(l => l.CustomerId == _w.LanCustomer));
    }

    [Fact]
    public async Task Setting_the_same_list_again_changes_nothing()
    {
        var first = await _w.Service.SetRelatedUsersAsync(_w.Lan, _w.LanCustomer, [_w.Minh.UserId, _w.Minh.UserId, " "], await VersionAsync(_w.LanCustomer));
        _w.Bus.Events.Clear();

        var again = await _w.Service.SetRelatedUsersAsync(_w.Lan, _w.LanCustomer, [_w.Minh.UserId], first.CurrentVersion);

        Assert.Equal(SaveStatus.Saved, again.Status);
        Assert.Equal(first.CurrentVersion, again.CurrentVersion);
        Assert.Empty(_w.Bus.Events);
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        Assert.Equal(1, await db.ChangeLog.CountAsync(l => l.CustomerId == _w.LanCustomer));
    }
}
