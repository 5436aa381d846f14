using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Comments;

/// <summary>R4.5 comments, R5.1 new updates, R7.4 rights on every write — against a real SQLite database.</summary>
public sealed class CommentServiceTests : IAsyncLifetime
{
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
    private List<LiveEvent> _events = [];
    private TestDatabase _db = null!;
    private CommentService _service = null!;
    private string _dataFolder = null!;
    private UserAccess _owner = null!, _related = null!, _editor = null!, _viewerNoEdit = null!, _outsider = null!;
    private int _customer;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var root = await _db.AddDepartmentAsync("Công ty");
        var sales = await _db.AddDepartmentAsync("Kinh doanh", root);
        var salesGroup = await _db.AddPermissionGroupAsync("Kinh doanh", Rights.SalesDefault);
        var auditors = await _db.AddPermissionGroupAsync("Kiểm soát", Rights.CustomersAccess | Rights.CustomersViewAll);
        var editors = await _db.AddPermissionGroupAsync("Biên tập", Rights.CustomersAccess | Rights.CustomersViewAll | Rights.CustomersEdit);
        var lan = await _db.AddUserAsync("lan", "Nguyễn Thị Lan", sales.Id, salesGroup.Id);
        var minh = await _db.AddUserAsync("minh", "Đỗ Văn Minh", sales.Id, salesGroup.Id);
        var tuan = await _db.AddUserAsync("tuan", "Bùi Anh Tuấn", root.Id, editors.Id);
        var ha = await _db.AddUserAsync("ha", "Thu Hà", root.Id, auditors.Id);
        var duc = await _db.AddUserAsync("duc", "Đặng Đức", sales.Id, salesGroup.Id);
        var rel = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        var c = await _db.AddCustomerAsync("Công ty An Phát", "0912000111", rel, lan.Id);
        _customer = c.Id;
        await using (var ctx = _db.Factory.CreateDbContext())
        {
            ctx.CustomerRelatedUsers.Add(new CrmBlazor.Domain.Customers.CustomerRelatedUser(_customer, minh.Id));
            await ctx.SaveChangesAsync();
        }

        _owner = (await CurrentUser.LoadAsync(_db.Factory, lan.Id))!;
        _related = (await CurrentUser.LoadAsync(_db.Factory, minh.Id))!;
        _editor = (await CurrentUser.LoadAsync(_db.Factory, tuan.Id))!;
        _viewerNoEdit = (await CurrentUser.LoadAsync(_db.Factory, ha.Id))!;
        _outsider = (await CurrentUser.LoadAsync(_db.Factory, duc.Id))!;

        // Records what the service publishes, as it publishes it (the real bus delivers on each subscriber's own loop).
        var bus = new CrmBlazor.Tests.Integration.Customers.RecordingBus();
        _events = bus.Events;
        _dataFolder = Path.Combine(Path.GetTempPath(), "crm-attach-" + Guid.NewGuid().ToString("N"));
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:DataFolder"] = _dataFolder, ["Comments:MaxAttachmentBytes"] = "1000" }).Build();
        _service = new CommentService(_db.Factory, bus, _clock, new AttachmentStore(config, new FakeEnvironment()));
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        if (Directory.Exists(_dataFolder))
        {
            Directory.Delete(_dataFolder, true);
        }
    }

    [Fact]
    public async Task Issue20_an_owner_without_the_customer_access_right_gets_no_new_updates_no_badge_and_may_not_comment()
    {
        await _service.PostAsync(_editor, _customer, "Khách hỏi báo giá");
        Assert.Equal(1, await _service.UnreadCountAsync(_owner));

        // The same owner after their group lost "customers access" (R7.2): on main the hand-written "owner or related"
        // rule still counted the comment and let them comment.
        var revoked = _owner with { Rights = _owner.Rights & ~Rights.CustomersAccess };
        Assert.Equal(0, await _service.UnreadCountAsync(revoked));
        Assert.Empty(await _service.UnreadByCustomerAsync(revoked, [_customer]));
        Assert.False(await _service.CanCommentAsync(revoked, _customer));
    }

    [Fact]
    public async Task R4_5_owner_related_users_and_editors_may_comment_others_may_not()
    {
        Assert.True(await _service.CanCommentAsync(_owner, _customer));
        Assert.True(await _service.CanCommentAsync(_related, _customer));
        Assert.True(await _service.CanCommentAsync(_editor, _customer));
        Assert.False(await _service.CanCommentAsync(_viewerNoEdit, _customer));
        Assert.False(await _service.CanCommentAsync(_outsider, _customer));

        await _service.PostAsync(_related, _customer, "Em đã gọi khách");
        await Assert.ThrowsAsync<AccessDeniedException>(() => _service.PostAsync(_viewerNoEdit, _customer, "xem thôi"));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _service.PostAsync(_outsider, _customer, "không được"));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _service.GetStreamAsync(_outsider, _customer, StreamFilter.All));
        Assert.Single(await _service.GetStreamAsync(_viewerNoEdit, _customer, StreamFilter.Comments));
    }

    [Fact]
    public async Task R4_2_a_staff_comment_is_a_contact_and_an_interaction_and_is_announced_live()
    {
        await _service.PostAsync(_owner, _customer, "Khách hẹn thứ Sáu");
        await using var ctx = _db.Factory.CreateDbContext();
        var c = await ctx.Customers.SingleAsync(x => x.Id == _customer);
        Assert.Equal(_clock.Now.UtcDateTime, c.LastContactAt);
        Assert.Equal(1, c.InteractionCount);
        lock (_events)
        {
            Assert.Contains(_events, e => e is CommentPosted p && p.CustomerId == _customer && p.Kind == CommentChangeKinds.Posted);
        }
    }

    [Fact]
    public async Task R4_5_edit_own_within_two_hours_keeps_history_then_is_refused()
    {
        var id = await _service.PostAsync(_owner, _customer, "Bản đầu");
        _clock.Advance(TimeSpan.FromMinutes(90));
        await _service.EditAsync(_owner, id, "Bản sửa");
        await Assert.ThrowsAsync<DomainException>(() => _service.EditAsync(_related, id, "không phải của tôi"));
        _clock.Advance(TimeSpan.FromMinutes(31));
        var late = await Assert.ThrowsAsync<DomainException>(() => _service.EditAsync(_owner, id, "quá hạn"));
        Assert.Equal(RuleCodes.CommentEditWindowClosed, late.Code);

        var view = Assert.Single(await _service.GetStreamAsync(_owner, _customer, StreamFilter.Comments)).Comment!;
        Assert.Equal("Bản sửa", view.Body);
        Assert.Equal("Bản đầu", Assert.Single(view.Revisions).Body);
        Assert.False(view.CanEdit);
        Assert.True(view.CanDelete);
    }

    [Fact]
    public async Task R5_1_new_updates_count_comments_of_others_until_the_stream_is_opened()
    {
        Assert.Equal(0, await _service.UnreadCountAsync(_owner));
        await _service.PostAsync(_related, _customer, "Một");
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _service.PostAsync(_editor, _customer, "Hai");
        Assert.Equal(2, await _service.UnreadCountAsync(_owner));
        Assert.Equal(1, await _service.UnreadCountAsync(_related)); // my own comment is not news to me
        Assert.Equal(0, await _service.UnreadCountAsync(_viewerNoEdit)); // neither owner nor related
        Assert.Equal(2, (await _service.UnreadByCustomerAsync(_owner, [_customer]))[_customer]);

        _clock.Advance(TimeSpan.FromSeconds(1));
        await _service.MarkReadAsync(_owner, _customer);
        Assert.Equal(0, await _service.UnreadCountAsync(_owner));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _service.PostAsync(_related, _customer, "Ba");
        Assert.Equal(1, await _service.UnreadCountAsync(_owner));
        await _service.MarkAllReadAsync(_owner);
        Assert.Equal(0, await _service.UnreadCountAsync(_owner));
    }

    [Fact]
    public async Task R4_5_a_mention_notifies_only_users_who_may_see_the_customer()
    {
        await _service.PostAsync(_owner, _customer, "@minh @tuan @duc @ha xem giúp");
        Assert.Single(await _service.NotificationsAsync(_related));
        Assert.Single(await _service.NotificationsAsync(_editor));
        Assert.Single(await _service.NotificationsAsync(_viewerNoEdit));
        Assert.Empty(await _service.NotificationsAsync(_outsider)); // duc may not see it: never learns it exists
        var n = Assert.Single(await _service.NotificationsAsync(_related));
        Assert.Equal("Công ty An Phát", n.CustomerName);
        Assert.Equal("Nguyễn Thị Lan", n.ByName);

        var candidates = await _service.MentionCandidatesAsync(_owner, _customer, "");
        Assert.Equal(["Bùi Anh Tuấn", "Thu Hà", "Đỗ Văn Minh"], candidates.Select(c => c.FullName).OrderBy(x => x, StringComparer.Ordinal).ToArray());
        Assert.DoesNotContain(candidates, c => c.UserName == "duc");
        Assert.Equal("minh", Assert.Single(await _service.MentionCandidatesAsync(_owner, _customer, "van minh")).UserName);
    }

    [Fact]
    public async Task R4_5_likes_toggle_and_show_names()
    {
        var id = await _service.PostAsync(_owner, _customer, "Chốt đơn!");
        Assert.True(await _service.ToggleLikeAsync(_related, id));
        Assert.True(await _service.ToggleLikeAsync(_editor, id));
        Assert.False(await _service.ToggleLikeAsync(_editor, id));
        var view = Assert.Single(await _service.GetStreamAsync(_owner, _customer, StreamFilter.All)).Comment!;
        Assert.Equal(["Đỗ Văn Minh"], view.LikerNames);
        await Assert.ThrowsAsync<AccessDeniedException>(() => _service.ToggleLikeAsync(_outsider, id));
    }

    [Fact]
    public async Task R4_5_delete_own_only()
    {
        var id = await _service.PostAsync(_owner, _customer, "Xóa tôi");
        await Assert.ThrowsAsync<DomainException>(() => _service.DeleteAsync(_related, id));
        await _service.DeleteAsync(_owner, id);
        Assert.Empty(await _service.GetStreamAsync(_owner, _customer, StreamFilter.Comments));
    }

    [Fact]
    public async Task Attachments_are_limited_and_served_only_within_the_scope()
    {
        var tooBig = new NewAttachment("big.pdf", "application/pdf", 5000, new MemoryStream(new byte[5000]));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _service.PostAsync(_owner, _customer, "file lớn", [tooBig]));
        var script = new NewAttachment("x.html", "text/html", 10, new MemoryStream(new byte[10]));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _service.PostAsync(_owner, _customer, "html", [script]));

        var ok = new NewAttachment("bao-gia.pdf", "application/pdf", 8, new MemoryStream("%PDF-1.4"u8.ToArray()));
        await _service.PostAsync(_owner, _customer, "Báo giá", [ok]);
        var attachment = Assert.Single(Assert.Single(await _service.GetStreamAsync(_owner, _customer, StreamFilter.Comments)).Comment!.Attachments);
        var opened = await _service.OpenAttachmentAsync(_related, attachment.Id);
        Assert.NotNull(opened);
        await using (var s = opened.Value.Content)
        {
            Assert.Equal(8, s.Length);
        }

        Assert.Null(await _service.OpenAttachmentAsync(_outsider, attachment.Id));
    }

    [Fact]
    public async Task R4_5_the_stream_shows_change_logs_by_name_and_filters()
    {
        await using (var ctx = _db.Factory.CreateDbContext())
        {
            var rel2 = new CrmBlazor.Domain.Relationships.Relationship("Đã báo giá", null, null, 1);
            ctx.Relationships.Add(rel2);
            await ctx.SaveChangesAsync();
            var first = await ctx.Relationships.Where(r => r.IsDefault).Select(r => r.Id).SingleAsync();
            ctx.ChangeLog.Add(new ChangeLogEntry(_customer, _owner.UserId, _clock.Now.UtcDateTime,
                new FieldChange("RelationshipId", first.ToString(System.Globalization.CultureInfo.InvariantCulture), rel2.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), "grid"));
            await ctx.SaveChangesAsync();
        }

        _clock.Advance(TimeSpan.FromMinutes(1));
        await _service.PostAsync(_owner, _customer, "Đã gửi báo giá");
        var all = await _service.GetStreamAsync(_owner, _customer, StreamFilter.All);
        Assert.Equal(2, all.Count);
        Assert.NotNull(all[0].Comment); // newest first
        var log = all[1].Log!;
        Assert.Equal(("Tiềm năng", "Đã báo giá", "grid"), (log.OldValue, log.NewValue, log.Origin));
        Assert.Single(await _service.GetStreamAsync(_owner, _customer, StreamFilter.Logs));
        Assert.Single(await _service.GetStreamAsync(_owner, _customer, StreamFilter.Comments));
    }

    private sealed class FakeEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "CrmBlazor";
        public string ContentRootPath { get; set; } = Path.GetTempPath();
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
