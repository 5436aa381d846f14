using System.Globalization;
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
    /// <summary>Ids matched per webhook-payload statement (each payload is searched for each of their markers).</summary>
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
            more = await db.CustomerMerges.Where(r => EF.Parameter(round).Contains(r.SurvivorId) && r.UndoneAt == null && !EF.Parameter(folded).Contains(r.MergedId))
                .Join(db.Customers, r => r.MergedId, c => c.Id, (r, c) => new { c.Id, c.MergedIntoId, r.SurvivorId })
                .Where(x => x.MergedIntoId == x.SurvivorId).Select(x => x.Id).Distinct().ToListAsync(ct);
            folded.AddRange(more);
        }

        ids = folded;
        // Every statement takes the ids as ONE parameter (json_each on SQLite, an array on PostgreSQL): as one parameter
        // each, a purge of thousands of customers bound thousands of parameters per statement, each looked up by name.
        var list = folded;

        var attachments = await db.CommentAttachments
            .Where(a => db.Comments.Any(m => m.Id == a.CommentId && EF.Parameter(list).Contains(m.CustomerId)))
            .Select(a => a.StorageName).ToListAsync(ct);
        var avatars = (await db.Customers.Where(c => EF.Parameter(list).Contains(c.Id) && c.AvatarUrl != null).Select(c => new { c.Id, c.AvatarUrl }).ToListAsync(ct))
            .Select(c => AvatarStore.FileOf(c.Id, c.AvatarUrl)).OfType<string>().ToList();

        // Customers referred by a purged customer keep existing without a referrer.
        await db.Customers.Where(c => EF.Parameter(list).Contains(c.ReferrerCustomerId!.Value))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ReferrerCustomerId, (int?)null), ct);
        await db.Contacts.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.CustomerGroupMembers.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.CustomerRelatedUsers.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.CustomFieldValues.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.StreamReadMarkers.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.Notifications.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        // A comment's parts by name, not only by the database's cascade: the routine says what it removes.
        await db.CommentLikes.Where(x => db.Comments.Any(m => m.Id == x.CommentId && EF.Parameter(list).Contains(m.CustomerId))).ExecuteDeleteAsync(ct);
        await db.CommentRevisions.Where(x => db.Comments.Any(m => m.Id == x.CommentId && EF.Parameter(list).Contains(m.CustomerId))).ExecuteDeleteAsync(ct);
        await db.CommentAttachments.Where(x => db.Comments.Any(m => m.Id == x.CommentId && EF.Parameter(list).Contains(m.CustomerId))).ExecuteDeleteAsync(ct);
        await db.Comments.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.ChangeLog.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.Orders.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.AutomationRuns.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        await db.AutomationOutbox.Where(x => EF.Parameter(list).Contains(x.CustomerId)).ExecuteDeleteAsync(ct);
        // Import history keeps that a customer was imported (ids only), not its values before the import.
        await db.Set<ImportBatchItem>().Where(x => EF.Parameter(list).Contains(x.CustomerId) && x.PreviousJson != null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.PreviousJson, (string?)null), ct);
        // Each statement searches every delivery's payload for 50 markers: an undo of 70,000 imported customers ran 1,400
        // of them against an empty table. Without deliveries there is nothing to search.
        var deliveries = await db.WebhookDeliveries.AnyAsync(ct);
        foreach (var chunk in deliveries ? ids.Chunk(PayloadChunk) : [])
        {
            // The markers as one parameter: the same statement each time, translated once (as constants, every chunk
            // was a new query for EF Core to translate).
            var markers = chunk.Select(PayloadMarker).ToList();
            await db.WebhookDeliveries.Where(d => EF.Parameter(markers).Any(m => d.Payload.Contains(m))).ExecuteDeleteAsync(ct);
        }

        await db.CustomerMerges.Where(x => EF.Parameter(list).Contains(x.SurvivorId) || EF.Parameter(list).Contains(x.MergedId)).ExecuteDeleteAsync(ct);
        await db.Customers.Where(c => EF.Parameter(list).Contains(c.Id)).ExecuteDeleteAsync(ct);
        return new PurgedFiles(attachments, avatars);
    }

    /// <summary>The text a webhook payload holds for its customer (<c>WebhookPayload.Serialize</c>: the customer's id first).</summary>
    internal static string PayloadMarker(int customerId) =>
        string.Create(CultureInfo.InvariantCulture, $"\"customer\":{{\"id\":{customerId},");
}
