using System.Globalization;
using System.Linq.Expressions;
using CrmBlazor.Data;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

/// <summary>The files of purged customers, named before their rows went; deleted once the purge has committed.</summary>
public sealed record PurgedFiles(IReadOnlyList<string> Attachments, IReadOnlyList<string> Avatars)
{
    public static readonly PurgedFiles None = new([], []);

    /// <summary>Deletes the files (after the commit: a rolled-back purge must not have lost them).</summary>
    public void Delete(AttachmentStore? attachments, AvatarStore? avatars)
    {
        foreach (var name in Attachments)
        {
            attachments?.Delete(name);
        }

        foreach (var file in Avatars)
        {
            avatars?.Delete(file);
        }
    }

    public static PurgedFiles Combine(IEnumerable<PurgedFiles> parts)
    {
        var list = parts.ToList();
        return new PurgedFiles(list.SelectMany(p => p.Attachments).ToList(), list.SelectMany(p => p.Avatars).ToList());
    }
}

/// <summary>
/// The one purge routine (R6.3, #26): every path that deletes customers for good — the trash by hand, the trash job, an
/// import's undo — goes through <see cref="DeleteRowsAsync"/>, which removes every row holding a customer's data and
/// names the files to delete after the commit. A new table with customer data must be added here; the purge test fails
/// for an entity type it has not reviewed.
/// </summary>
public static class CustomerPurge
{
    /// <summary>Ids matched per webhook-payload statement (an OR of text matches).</summary>
    private const int PayloadChunk = 50;

    /// <summary>
    /// Deletes customers for good with everything hanging on them, set-based, in the caller's transaction: a statement
    /// per table, not per customer — SQLite's search index flushes at every statement that writes through its trigger
    /// (the index rows go with the customer rows, through that trigger).
    /// </summary>
    public static async Task<PurgedFiles> DeleteRowsAsync(CrmDbContext db, IReadOnlyCollection<int> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return PurgedFiles.None;
        }

        // Customers merged into a purged one (R6.4) hang on it: their rows moved to it, and they can no longer come back.
        var folded = ids.ToList();
        for (var more = folded; more.Count > 0;)
        {
            var round = more;
            // Found through the merge records (indexed by survivor), not a scan of Customers: a hidden customer keeps its
            // record until it is purged.
            more = await db.CustomerMerges.Where(r => round.Contains(r.SurvivorId) && r.UndoneAt == null && !folded.Contains(r.MergedId))
                .Join(db.Customers, r => r.MergedId, c => c.Id, (r, c) => new { c.Id, c.MergedIntoId, r.SurvivorId })
                .Where(x => x.MergedIntoId == x.SurvivorId).Select(x => x.Id).Distinct().ToListAsync(ct);
            folded.AddRange(more);
        }

        ids = folded;

        var attachments = await db.CommentAttachments
            .Where(a => db.Comments.Any(m => m.Id == a.CommentId && ids.Contains(m.CustomerId)))
            .Select(a => a.StorageName).ToListAsync(ct);
        var avatars = (await db.Customers.Where(c => ids.Contains(c.Id) && c.AvatarUrl != null).Select(c => new { c.Id, c.AvatarUrl }).ToListAsync(ct))
            .Select(c => AvatarStore.FileOf(c.Id, c.AvatarUrl)).OfType<string>().ToList();

        // Customers referred by a purged customer keep existing without a referrer.
        await db.Customers.Where(c => c.ReferrerCustomerId != null && ids.Contains(c.ReferrerCustomerId.Value))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ReferrerCustomerId, (int?)null), ct);
        await db.Contacts.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.CustomerGroupMembers.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.CustomerRelatedUsers.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.CustomFieldValues.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.StreamReadMarkers.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.Notifications.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        // A comment's parts by name, not only by the database's cascade: the routine says what it removes.
        await db.CommentLikes.Where(x => db.Comments.Any(m => m.Id == x.CommentId && ids.Contains(m.CustomerId))).ExecuteDeleteAsync(ct);
        await db.CommentRevisions.Where(x => db.Comments.Any(m => m.Id == x.CommentId && ids.Contains(m.CustomerId))).ExecuteDeleteAsync(ct);
        await db.CommentAttachments.Where(x => db.Comments.Any(m => m.Id == x.CommentId && ids.Contains(m.CustomerId))).ExecuteDeleteAsync(ct);
        await db.Comments.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.ChangeLog.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.Orders.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.AutomationRuns.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.AutomationOutbox.Where(x => ids.Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        // Import history keeps that a customer was imported (ids only), not its values before the import.
        await db.Set<ImportBatchItem>().Where(x => ids.Contains(x.CustomerId) && x.PreviousJson != null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.PreviousJson, (string?)null), ct);
        foreach (var chunk in ids.Chunk(PayloadChunk))
        {
            await db.WebhookDeliveries.Where(PayloadNamesAny(chunk)).ExecuteDeleteAsync(ct);
        }

        await db.CustomerMerges.Where(x => ids.Contains(x.SurvivorId) || ids.Contains(x.MergedId)).ExecuteDeleteAsync(ct);
        await db.Customers.Where(c => ids.Contains(c.Id)).ExecuteDeleteAsync(ct);
        return new PurgedFiles(attachments, avatars);
    }

    /// <summary>The text a webhook payload holds for its customer (<c>WebhookPayload.Serialize</c>: the customer's id first).</summary>
    internal static string PayloadMarker(int customerId) =>
        string.Create(CultureInfo.InvariantCulture, $"\"customer\":{{\"id\":{customerId},");

    /// <summary>Deliveries whose payload is about one of the customers: an OR of text matches, one statement.</summary>
    private static Expression<Func<WebhookDelivery, bool>> PayloadNamesAny(IEnumerable<int> ids)
    {
        var d = Expression.Parameter(typeof(WebhookDelivery), "d");
        var payload = Expression.Property(d, nameof(WebhookDelivery.Payload));
        var contains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
        Expression? any = null;
        foreach (var id in ids)
        {
            Expression match = Expression.Call(payload, contains, Expression.Constant(PayloadMarker(id)));
            any = any is null ? match : Expression.OrElse(any, match);
        }

        return Expression.Lambda<Func<WebhookDelivery, bool>>(any ?? Expression.Constant(false), d);
    }
}
