using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Comments;

public enum StreamFilter
{
    All,
    Comments,
    Logs,
}

public sealed record AttachmentView(long Id, string FileName, string ContentType, long Size, bool IsImage);

public sealed record RevisionView(string Body, DateTime ReplacedAt);

public sealed record CommentView(long Id, string AuthorId, string AuthorName, string Body, string Html, DateTime CreatedAt, DateTime? EditedAt,
    IReadOnlyList<string> LikerNames, bool LikedByMe, bool CanEdit, bool CanDelete, IReadOnlyList<RevisionView> Revisions,
    IReadOnlyList<AttachmentView> Attachments);

/// <summary>A change-log line; <see cref="FieldName"/> names a field whose label is data (a custom field, R1.3).</summary>
public sealed record LogView(long Id, string Field, string? OldValue, string? NewValue, string Origin, string? FieldName = null);

/// <summary>One entry of a customer's stream: a comment or a change-log line (R4.5), newest first.</summary>
public sealed record StreamItem(DateTime At, string? UserId, string UserName, CommentView? Comment, LogView? Log)
{
    /// <summary>Where this item stands in the stream's order (a page that ends here continues after it).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public StreamCursor Cursor => new(At, Comment is not null, Comment?.Id ?? Log?.Id ?? 0);

    /// <summary>The stream's order: newest first; at the same instant comments before log lines, then the higher id first.</summary>
    public static readonly IComparer<StreamItem> NewestFirst = Comparer<StreamItem>.Create((x, y) => StreamCursor.Compare(y.Cursor, x.Cursor));
}

/// <summary>
/// A position in a customer's stream, by the item's time, kind and id: comments and log lines are two tables, so a page
/// boundary is a key of all three (keyset paging, never an offset that shifts when something new arrives).
/// </summary>
public sealed record StreamCursor(DateTime At, bool IsComment, long Id)
{
    /// <summary>Ascending: older items first.</summary>
    public static int Compare(StreamCursor x, StreamCursor y) =>
        x.At != y.At ? x.At.CompareTo(y.At) : x.IsComment != y.IsComment ? x.IsComment.CompareTo(y.IsComment) : x.Id.CompareTo(y.Id);
}

/// <summary>A page of the stream, newest first, and whether older items remain.</summary>
public sealed record StreamPage(IReadOnlyList<StreamItem> Items, bool HasMore);

public sealed record NewAttachment(string FileName, string ContentType, long Size, Stream Content);

public sealed record NotificationView(long Id, NotificationKind Kind, int CustomerId, string CustomerName, long CommentId, string ByName, string Excerpt, DateTime CreatedAt, bool IsRead);

public sealed record MentionCandidate(string UserName, string FullName);

/// <summary>
/// The comment stream of a customer (R4.5), unread "new updates" (R5.1) and notifications. Every read goes through the
/// visibility scope and every write checks who may comment (owner, related users, users with edit right) — R7.4.
/// </summary>
public sealed class CommentService(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus bus, TimeProvider clock, AttachmentStore files)
{
    public const int StreamPageSize = 100;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The newest page of the stream (<see cref="StreamPageSize"/> items).</summary>
    public async Task<IReadOnlyList<StreamItem>> GetStreamAsync(UserAccess user, int customerId, StreamFilter filter, CancellationToken ct = default) =>
        (await GetStreamPageAsync(user, customerId, filter, null, ct: ct)).Items;

    /// <summary>
    /// A page of the stream: the newest items, or those older than <paramref name="before"/> ("show older"), newest first.
    /// Each table is read along its (customer, time) index from the cursor on, one item more than the page to know whether
    /// older ones remain.
    /// </summary>
    public async Task<StreamPage> GetStreamPageAsync(UserAccess user, int customerId, StreamFilter filter, StreamCursor? before,
        int pageSize = StreamPageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await RequireVisibleAsync(db, user, customerId, ct);
        var size = Math.Clamp(pageSize, 1, MaxStreamRead);
        var items = await ReadStreamAsync(db, user, customerId, filter, q => Older(q, before), q => Older(q, before), size + 1, ct);
        return new StreamPage(items.Take(size).ToList(), items.Count > size);
    }

    /// <summary>
    /// Every item from <paramref name="oldest"/> (included) to the newest: a live refresh of a stream whose reader has paged
    /// back keeps what they loaded. At most <see cref="MaxStreamRead"/> of each kind.
    /// </summary>
    public async Task<IReadOnlyList<StreamItem>> GetStreamSinceAsync(UserAccess user, int customerId, StreamFilter filter, StreamCursor oldest,
        CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await RequireVisibleAsync(db, user, customerId, ct);
        return await ReadStreamAsync(db, user, customerId, filter, q => NotOlder(q, oldest), q => NotOlder(q, oldest), MaxStreamRead, ct);
    }

    /// <summary>The most items of one kind one read returns.</summary>
    public const int MaxStreamRead = 2000;

    private async Task<List<StreamItem>> ReadStreamAsync(CrmDbContext db, UserAccess user, int customerId, StreamFilter filter,
        Func<IQueryable<Comment>, IQueryable<Comment>> commentRange, Func<IQueryable<ChangeLogEntry>, IQueryable<ChangeLogEntry>> logRange, int take,
        CancellationToken ct)
    {
        var items = new List<StreamItem>();
        var now = Now;

        if (filter != StreamFilter.Logs)
        {
            var comments = await commentRange(db.Comments.AsNoTracking().Where(c => c.CustomerId == customerId && !c.IsDeleted))
                .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(take)
                .ToListAsync(ct);
            var ids = comments.Select(c => c.Id).ToList();
            var likes = ids.Count == 0 ? [] : await db.CommentLikes.AsNoTracking().Where(l => ids.Contains(l.CommentId)).ToListAsync(ct);
            var revisions = ids.Count == 0 ? [] : await db.CommentRevisions.AsNoTracking().Where(r => ids.Contains(r.CommentId)).OrderByDescending(r => r.ReplacedAt).ToListAsync(ct);
            var attachments = ids.Count == 0 ? [] : await db.CommentAttachments.AsNoTracking().Where(a => ids.Contains(a.CommentId)).ToListAsync(ct);
            var names = await NamesAsync(db, comments.Select(c => c.AuthorId).Concat(likes.Select(l => l.UserId)), ct);
            foreach (var c in comments)
            {
                var view = new CommentView(c.Id, c.AuthorId, Name(names, c.AuthorId), c.Body, CommentMarkdown.ToSafeHtml(c.Body), c.CreatedAt, c.EditedAt,
                    likes.Where(l => l.CommentId == c.Id).OrderBy(l => l.At).Select(l => Name(names, l.UserId)).ToList(),
                    likes.Any(l => l.CommentId == c.Id && l.UserId == user.UserId),
                    c.CanEdit(user.UserId, now), c.AuthorId == user.UserId,
                    revisions.Where(r => r.CommentId == c.Id).Select(r => new RevisionView(r.Body, r.ReplacedAt)).ToList(),
                    attachments.Where(a => a.CommentId == c.Id).Select(a => new AttachmentView(a.Id, a.FileName, a.ContentType, a.Size, a.IsImage)).ToList());
                items.Add(new StreamItem(c.CreatedAt, c.AuthorId, view.AuthorName, view, null));
            }
        }

        if (filter != StreamFilter.Comments)
        {
            items.AddRange(await LogItemsAsync(db, logRange(db.ChangeLog.Where(l => l.CustomerId == customerId)), take, ct));
        }

        items.Sort(StreamItem.NewestFirst);
        return items.Count > take ? items.Take(take).ToList() : items;
    }

    // Older than the cursor in the stream's order (time, comments before log lines at the same instant, id), all descending.
    private static IQueryable<Comment> Older(IQueryable<Comment> q, StreamCursor? c) =>
        c is null ? q
        : c.IsComment ? q.Where(x => x.CreatedAt < c.At || (x.CreatedAt == c.At && x.Id < c.Id))
        : q.Where(x => x.CreatedAt < c.At);

    private static IQueryable<ChangeLogEntry> Older(IQueryable<ChangeLogEntry> q, StreamCursor? c) =>
        c is null ? q
        : c.IsComment ? q.Where(x => x.At <= c.At)
        : q.Where(x => x.At < c.At || (x.At == c.At && x.Id < c.Id));

    private static IQueryable<Comment> NotOlder(IQueryable<Comment> q, StreamCursor c) =>
        c.IsComment ? q.Where(x => x.CreatedAt > c.At || (x.CreatedAt == c.At && x.Id >= c.Id)) : q.Where(x => x.CreatedAt >= c.At);

    private static IQueryable<ChangeLogEntry> NotOlder(IQueryable<ChangeLogEntry> q, StreamCursor c) =>
        c.IsComment ? q.Where(x => x.At > c.At) : q.Where(x => x.At > c.At || (x.At == c.At && x.Id >= c.Id));

    /// <summary>The change-log entries written after <paramref name="afterId"/> (a live stream adds a change's lines
    /// instead of reading the whole stream again).</summary>
    public async Task<IReadOnlyList<StreamItem>> GetLogsSinceAsync(UserAccess user, int customerId, long afterId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await RequireVisibleAsync(db, user, customerId, ct);
        return await LogItemsAsync(db, db.ChangeLog.Where(l => l.CustomerId == customerId && l.Id > afterId), MaxStreamRead, ct);
    }

    private static async Task<List<StreamItem>> LogItemsAsync(CrmDbContext db, IQueryable<ChangeLogEntry> source, int take, CancellationToken ct)
    {
        var logs = await source.AsNoTracking().OrderByDescending(l => l.At).ThenByDescending(l => l.Id).Take(take).ToListAsync(ct);
        var names = await NamesAsync(db, logs.Where(l => l.UserId != null).Select(l => l.UserId!), ct);
        var labels = await ValueLabelsAsync(db, logs, ct);
        var customIds = logs.Select(l => Domain.Customers.Customer.CustomFieldId(l.Field)).OfType<int>().Distinct().ToList();
        var customNames = customIds.Count == 0 ? []
            : await db.CustomFields.Where(f => customIds.Contains(f.Id)).ToDictionaryAsync(f => f.Id, f => f.Name, ct);
        return logs.Select(l => new StreamItem(l.At, l.UserId, l.UserId is null ? "CrmBlazor" : Name(names, l.UserId),
            null, new LogView(l.Id, l.Field, Label(labels, l.Field, l.OldValue), Label(labels, l.Field, l.NewValue), l.Origin,
                Domain.Customers.Customer.CustomFieldId(l.Field) is int cf ? customNames.GetValueOrDefault(cf) : null))).ToList();
    }

    /// <summary>Owner, related users and users with edit right on a customer they can see may comment (R4.5).</summary>
    public async Task<bool> CanCommentAsync(UserAccess user, int customerId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CanCommentAsync(db, user, customerId, ct);
    }

    public async Task<long> PostAsync(UserAccess user, int customerId, string body, IReadOnlyList<NewAttachment>? attachments = null, CancellationToken ct = default)
    {
        attachments ??= [];
        foreach (var a in attachments)
        {
            files.Validate(a);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await CanCommentAsync(db, user, customerId, ct))
        {
            throw new AccessDeniedException("Only the owner, related users and users who may edit this customer can comment.");
        }

        var now = Now;
        var comment = new Comment(customerId, user.UserId, body, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Comments.Add(comment);
        await db.SaveChangesAsync(ct);
        // A staff comment is a contact and an interaction (R4.2, R4.3), counted in SQL: fifty comments posted at once
        // add fifty (a read-modify-write of the loaded customer lost most of them).
        await db.Customers.Where(c => c.Id == customerId).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.InteractionCount, c => c.InteractionCount + 1)
            .SetProperty(c => c.LastContactAt, c => c.LastContactAt == null || c.LastContactAt < now ? now : c.LastContactAt), ct);

        var stored = new List<string>();
        try
        {
            foreach (var a in attachments)
            {
                // The content type is the one the file's bytes prove, not the browser's claim.
                var (storageName, contentType) = await files.SaveAsync(a, ct);
                stored.Add(storageName);
                db.CommentAttachments.Add(new CommentAttachment(comment.Id, Path.GetFileName(a.FileName), contentType, a.Size, storageName));
            }

            // Mentions notify users who may see the customer (R4.5); nobody else learns it exists.
            var mentioned = Mentions.Parse(body).Select(m => m.ToUpperInvariant()).ToList();
            var notified = mentioned.Count == 0
                ? []
                : await CustomerScope.Audience(db, customerId)
                    .Where(p => mentioned.Contains(p.UserName.ToUpper()) && p.Id != user.UserId)
                    .Select(p => p.Id).ToListAsync(ct);
            foreach (var id in notified)
            {
                db.Notifications.Add(new Notification(id, NotificationKind.Mention, customerId, comment.Id, user.UserId, now));
            }

            // Whose "new updates" grow (R5.1): the owner and the related users.
            var watchers = await CustomerScope.InvolvedAudience(db, customerId).ToListAsync(ct);

            // My own comment is read by me.
            await MarkReadAsync(db, user.UserId, customerId, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);

            bus.Publish(new CommentPosted(customerId, comment.Id, user.UserId, CommentChangeKinds.Posted));
            bus.Publish(new CrmBlazor.Live.CustomerChanged(customerId, ChangeKinds.Updated, user.UserId, CustomerChange.Activity));
            foreach (var id in notified.Concat(watchers).Where(id => id != user.UserId).Distinct())
            {
                bus.Publish(new UnreadChanged(id));
            }

            return comment.Id;
        }
        catch
        {
            foreach (var name in stored)
            {
                files.Delete(name);
            }

            throw;
        }
    }

    /// <summary>Edits my own comment within two hours of posting (server-enforced); the previous body is kept.</summary>
    public async Task EditAsync(UserAccess user, long commentId, string body, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var comment = await db.Comments.SingleOrDefaultAsync(c => c.Id == commentId && !c.IsDeleted, ct) ?? throw new KeyNotFoundException("No such comment.");
        await RequireVisibleAsync(db, user, comment.CustomerId, ct);
        var now = Now;
        var previous = comment.Edit(user.UserId, body, now);
        db.CommentRevisions.Add(new CommentRevision(comment.Id, previous, now));
        await db.SaveChangesAsync(ct);
        bus.Publish(new CommentPosted(comment.CustomerId, comment.Id, user.UserId, CommentChangeKinds.Edited));
    }

    public async Task DeleteAsync(UserAccess user, long commentId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var comment = await db.Comments.SingleOrDefaultAsync(c => c.Id == commentId && !c.IsDeleted, ct) ?? throw new KeyNotFoundException("No such comment.");
        await RequireVisibleAsync(db, user, comment.CustomerId, ct);
        comment.Delete(user.UserId);
        await db.SaveChangesAsync(ct);
        bus.Publish(new CommentPosted(comment.CustomerId, comment.Id, user.UserId, CommentChangeKinds.Deleted));
    }

    /// <summary>Likes or unlikes a comment; returns whether it is liked now.</summary>
    public async Task<bool> ToggleLikeAsync(UserAccess user, long commentId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var comment = await db.Comments.AsNoTracking().SingleOrDefaultAsync(c => c.Id == commentId && !c.IsDeleted, ct) ?? throw new KeyNotFoundException("No such comment.");
        await RequireVisibleAsync(db, user, comment.CustomerId, ct);
        var like = await db.CommentLikes.SingleOrDefaultAsync(l => l.CommentId == commentId && l.UserId == user.UserId, ct);
        if (like is null)
        {
            db.CommentLikes.Add(new CommentLike(commentId, user.UserId, Now));
        }
        else
        {
            db.CommentLikes.Remove(like);
        }

        await db.SaveChangesAsync(ct);
        bus.Publish(new CommentPosted(comment.CustomerId, commentId, user.UserId, CommentChangeKinds.Liked));
        return like is null;
    }

    /// <summary>Opening a stream marks its comments read (R5.1).</summary>
    public async Task MarkReadAsync(UserAccess user, int customerId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await RequireVisibleAsync(db, user, customerId, ct);
        var now = Now;
        await MarkReadAsync(db, user.UserId, customerId, now, ct);
        var mentions = await db.Notifications.Where(n => n.UserId == user.UserId && n.CustomerId == customerId && n.ReadAt == null).ToListAsync(ct);
        mentions.ForEach(n => n.MarkRead(now));
        await db.SaveChangesAsync(ct);
        bus.Publish(new UnreadChanged(user.UserId));
    }

    public async Task MarkAllReadAsync(UserAccess user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = Now;
        var customerIds = await UnreadComments(db, user).Select(c => c.CustomerId).Distinct().ToListAsync(ct);
        foreach (var id in customerIds)
        {
            await MarkReadAsync(db, user.UserId, id, now, ct);
        }

        await db.Notifications.Where(n => n.UserId == user.UserId && n.ReadAt == null).ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
        await db.SaveChangesAsync(ct);
        bus.Publish(new UnreadChanged(user.UserId));
    }

    /// <summary>"New updates" (R5.1): comments by others in customers I own or am related to, newer than my read marker.</summary>
    public async Task<int> UnreadCountAsync(UserAccess user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await UnreadComments(db, user).CountAsync(ct);
    }

    public async Task<IReadOnlyDictionary<int, int>> UnreadByCustomerAsync(UserAccess user, IReadOnlyCollection<int> customerIds, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = customerIds.ToList();
        return await UnreadComments(db, user).Where(c => ids.Contains(c.CustomerId))
            .GroupBy(c => c.CustomerId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
    }

    public async Task<IReadOnlyList<NotificationView>> NotificationsAsync(UserAccess user, int take = 20, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var visible = CustomerScope.Visible(db, user);
        var rows = await db.Notifications.AsNoTracking()
            .Where(n => n.UserId == user.UserId && visible.Any(c => c.Id == n.CustomerId))
            .OrderByDescending(n => n.CreatedAt).Take(take)
            .Select(n => new
            {
                n.Id, n.Kind, n.CustomerId, n.CommentId, n.ByUserId, n.CreatedAt, n.ReadAt,
                Customer = db.Customers.Where(c => c.Id == n.CustomerId).Select(c => c.Name).FirstOrDefault(),
                Body = db.Comments.Where(c => c.Id == n.CommentId).Select(c => c.Body).FirstOrDefault(),
                By = db.StaffProfiles.Where(p => p.Id == n.ByUserId).Select(p => p.FullName).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return rows.Select(r => new NotificationView(r.Id, r.Kind, r.CustomerId, r.Customer ?? string.Empty, r.CommentId, r.By ?? string.Empty,
            Excerpt(r.Body), r.CreatedAt, r.ReadAt is not null)).ToList();
    }

    public async Task<int> UnreadNotificationCountAsync(UserAccess user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Notifications.CountAsync(n => n.UserId == user.UserId && n.ReadAt == null, ct);
    }

    /// <summary>@mention autocomplete: only users who may see the customer.</summary>
    public async Task<IReadOnlyList<MentionCandidate>> MentionCandidatesAsync(UserAccess user, int customerId, string? prefix, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await RequireVisibleAsync(db, user, customerId, ct);
        var all = await CustomerScope.Audience(db, customerId)
            .Where(p => p.Id != user.UserId)
            .OrderBy(p => p.FullName)
            .Select(p => new MentionCandidate(p.UserName, p.FullName))
            .ToListAsync(ct);
        var key = SearchKey.Fold(prefix);
        return all.Where(c => key.Length == 0 || SearchKey.Fold(c.UserName).Contains(key, StringComparison.Ordinal) || SearchKey.Fold(c.FullName).Contains(key, StringComparison.Ordinal))
            .Take(10).ToList();
    }

    /// <summary>An attachment's file, only for a user who may see its customer.</summary>
    public async Task<(CommentAttachment Attachment, Stream Content)?> OpenAttachmentAsync(UserAccess user, long attachmentId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var attachment = await db.CommentAttachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == attachmentId, ct);
        if (attachment is null)
        {
            return null;
        }

        var customerId = await db.Comments.Where(c => c.Id == attachment.CommentId && !c.IsDeleted).Select(c => (int?)c.CustomerId).SingleOrDefaultAsync(ct);
        if (customerId is null || !await CustomerScope.CanSee(db, user, customerId.Value, includeTrashed: false, ct))
        {
            return null;
        }

        var stream = files.Open(attachment.StorageName);
        return stream is null ? null : (attachment, stream);
    }

    /// <summary>"New updates" (R5.1): comments by others in customers the user is involved in (<see cref="CustomerScope.Involved"/>),
    /// newer than the user's read marker.</summary>
    public static IQueryable<Comment> UnreadComments(CrmDbContext db, UserAccess user)
    {
        var uid = user.UserId;
        var involved = CustomerScope.Involved(db, user).Select(x => x.Id);
        return db.Comments.Where(c => !c.IsDeleted && c.AuthorId != uid
            && involved.Contains(c.CustomerId)
            && !db.StreamReadMarkers.Any(m => m.UserId == uid && m.CustomerId == c.CustomerId && m.ReadAt >= c.CreatedAt));
    }

    private static async Task MarkReadAsync(CrmDbContext db, string userId, int customerId, DateTime now, CancellationToken ct)
    {
        var marker = await db.StreamReadMarkers.SingleOrDefaultAsync(m => m.UserId == userId && m.CustomerId == customerId, ct);
        if (marker is null)
        {
            db.StreamReadMarkers.Add(new StreamReadMarker(userId, customerId, now));
        }
        else
        {
            marker.MoveTo(now);
        }
    }

    internal static async Task<bool> CanCommentAsync(CrmDbContext db, UserAccess user, int customerId, CancellationToken ct = default)
    {
        if (!await CustomerScope.CanSee(db, user, customerId, includeTrashed: false, ct))
        {
            return false;
        }

        return user.Has(Rights.CustomersEdit) || await CustomerScope.Involved(db, user).AnyAsync(c => c.Id == customerId, ct);
    }

    private static async Task RequireVisibleAsync(CrmDbContext db, UserAccess user, int customerId, CancellationToken ct)
    {
        if (!await CustomerScope.CanSee(db, user, customerId, includeTrashed: false, ct))
        {
            throw new AccessDeniedException("You may not see this customer.");
        }
    }

    private static async Task<Dictionary<string, string>> NamesAsync(CrmDbContext db, IEnumerable<string> ids, CancellationToken ct)
    {
        var list = ids.Distinct().ToList();
        return list.Count == 0 ? [] : await db.StaffProfiles.Where(p => list.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.FullName, ct);
    }

    private static string Name(Dictionary<string, string> names, string id) => names.TryGetValue(id, out var n) ? n : "?";

    /// <summary>Ids in the change log (relationship, owner, source) are shown by name.</summary>
    private static async Task<Dictionary<string, Dictionary<string, string>>> ValueLabelsAsync(CrmDbContext db, List<ChangeLogEntry> logs, CancellationToken ct)
    {
        IEnumerable<string> Values(string field) => logs.Where(l => l.Field == field).SelectMany(l => new[] { l.OldValue, l.NewValue }).OfType<string>().Distinct();
        var relIds = Values("RelationshipId").Select(v => int.TryParse(v, out var i) ? i : 0).ToList();
        var srcIds = Values("SourceId").Select(v => int.TryParse(v, out var i) ? i : 0).ToList();
        var userIds = Values("OwnerId").Concat(Values("ReferrerUserId")).Concat(Values(Domain.Customers.Customer.RelatedUserField)).Distinct().ToList();
        // Groups are logged as comma-separated ids ("3,7").
        var groupIds = Values("Groups").SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Select(v => int.TryParse(v, out var i) ? i : 0).Distinct().ToList();
        // Only the lookups the entries need (a live change adds one or two lines, usually of a plain field).
        var rels = relIds.Count == 0 ? [] : await db.Relationships.Where(r => relIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), r => r.Name, ct);
        var srcs = srcIds.Count == 0 ? [] : await db.Sources.Where(s => srcIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), s => s.Name, ct);
        var users = userIds.Count == 0 ? [] : await db.StaffProfiles.Where(p => userIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.FullName, ct);
        var groups = groupIds.Count == 0 ? [] : await db.CustomerGroups.Where(g => groupIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Name, ct);
        return new()
        {
            ["RelationshipId"] = rels, ["SourceId"] = srcs, ["OwnerId"] = users, ["ReferrerUserId"] = users,
            [Domain.Customers.Customer.RelatedUserField] = users, ["Groups"] = groups,
        };
    }

    private static string? Label(Dictionary<string, Dictionary<string, string>> labels, string field, string? value)
    {
        if (value is null || !labels.TryGetValue(field, out var map))
        {
            return value;
        }

        // Groups are logged as a list of ids ("3,7").
        return field == "Groups"
            ? string.Join(", ", value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => map.GetValueOrDefault(v, v)))
            : map.GetValueOrDefault(value, value);
    }

    private static string Excerpt(string? body) =>
        body is null ? string.Empty : body.Length <= 120 ? body : body[..117] + "…";
}
