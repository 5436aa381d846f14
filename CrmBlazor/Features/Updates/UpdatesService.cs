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
        // The same rule as the navigation badge and the grid counter.
        var unread = CrmBlazor.Features.Comments.CommentService.UnreadComments(db, user);
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
