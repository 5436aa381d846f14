using CrmBlazor.Data;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Updates;

public sealed record UpdateRow(int CustomerId, string? Code, string CustomerName, int Unread, DateTime LastAt, string LastAuthor, string LastExcerpt);

/// <summary>The "New updates" list (R5.1): customers I own or am related to with comments by others I have not read.</summary>
public sealed class UpdatesService(IDbContextFactory<CrmDbContext> dbFactory)
{
    public async Task<IReadOnlyList<UpdateRow>> ListAsync(UserAccess user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var uid = user.UserId;
        var unread = db.Comments.Where(c => !c.IsDeleted && c.AuthorId != uid
            && db.Customers.Any(x => x.Id == c.CustomerId && !x.IsDeleted
                && (x.OwnerId == uid || db.CustomerRelatedUsers.Any(r => r.CustomerId == x.Id && r.UserId == uid)))
            && !db.StreamReadMarkers.Any(m => m.UserId == uid && m.CustomerId == c.CustomerId && m.ReadAt >= c.CreatedAt));
        var groups = await unread.GroupBy(c => c.CustomerId)
            .Select(g => new { CustomerId = g.Key, Count = g.Count(), LastId = g.Max(c => c.Id) })
            .OrderByDescending(g => g.LastId).Take(200).ToListAsync(ct);
        var lastIds = groups.Select(g => g.LastId).ToList();
        var last = await db.Comments.Where(c => lastIds.Contains(c.Id))
            .Select(c => new { c.Id, c.CustomerId, c.Body, c.CreatedAt, Author = db.StaffProfiles.Where(p => p.Id == c.AuthorId).Select(p => p.FullName).FirstOrDefault(),
                Customer = db.Customers.Where(x => x.Id == c.CustomerId).Select(x => new { x.Name, x.Code }).First() })
            .ToDictionaryAsync(c => c.Id, ct);
        return groups.Select(g =>
        {
            var l = last[g.LastId];
            return new UpdateRow(g.CustomerId, l.Customer.Code, l.Customer.Name, g.Count, l.CreatedAt, l.Author ?? "?", l.Body.Length > 140 ? l.Body[..137] + "…" : l.Body);
        }).ToList();
    }
}
