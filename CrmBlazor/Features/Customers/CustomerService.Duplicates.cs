using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

/// <summary>Likely duplicates sharing one <see cref="Key"/>: <see cref="Count"/> of them, the first few in <see cref="Members"/>.</summary>
public sealed record DuplicateGroup(DuplicateKind Kind, string Key, int Count, IReadOnlyList<MergeCustomer> Members);

/// <summary>A page of groups; <see cref="NextAfter"/> is the cursor of the next page (null on the last). No total: counting
/// every group of a million customers costs the whole scan the first page avoids.</summary>
public sealed record DuplicatePage(IReadOnlyList<DuplicateGroup> Groups, string? NextAfter)
{
    public bool HasMore => NextAfter is not null;
}

/// <summary>A customer that looks like a duplicate of another one, and why (one or more kinds).</summary>
public sealed record DuplicateMatch(MergeCustomer Customer, IReadOnlyList<DuplicateKind> Reasons);

public sealed partial class CustomerService
{
    public const int DuplicatePageSize = 20;

    /// <summary>The members a group lists (a switchboard number shared by hundreds shows its first ones and the count).</summary>
    public const int DuplicateMembersShown = 10;

    /// <summary>
    /// The duplicate finder (R6.4): groups of live customers the user may see (R7.3) sharing a normalised phone, an e-mail,
    /// or a folded name and a tax code — one kind per call, ordered by the shared value and paged by it (keyset: the page
    /// after <paramref name="after"/>, so a deep page costs what the first does). Groups marked "not duplicates" are left
    /// out while their members stay the same.
    /// </summary>
    public async Task<DuplicatePage> DuplicateGroupsAsync(UserAccess user, DuplicateKind kind, string? after = null, int pageSize = DuplicatePageSize,
        CancellationToken ct = default)
    {
        RequireAccess(user);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var keyed = KeyedBy(CustomerScope.Visible(db, user), kind);
        var groups = new List<DuplicateGroup>();
        var cursor = after;
        // Dismissed groups are skipped after reading them, so a page may need more than one read of candidates.
        while (groups.Count <= size)
        {
            var from = cursor;
            var candidates = await (from is null ? keyed : keyed.Where(x => string.Compare(x.Key, from) > 0))
                .GroupBy(x => x.Key).Where(g => g.Count() > 1).Select(g => new { Key = g.Key!, Count = g.Count() })
                .OrderBy(g => g.Key).Take(size + 1).ToListAsync(ct);
            if (candidates.Count == 0)
            {
                break;
            }

            cursor = candidates[^1].Key;
            var keys = candidates.Select(c => c.Key).ToList();
            var members = await keyed.Where(x => keys.Contains(x.Key!)).OrderBy(x => x.Id).Select(x => new { x.Id, x.Key }).ToListAsync(ct);
            var dismissed = await db.DuplicateDismissals.Where(d => d.Kind == kind && keys.Contains(d.Key)).ToListAsync(ct);
            // Rows only for the members a group lists: a number shared by thousands reads its first few, not all of them.
            var rows = await MembersAsync(db, members.GroupBy(m => m.Key).SelectMany(g => g.Take(DuplicateMembersShown)).Select(m => m.Id).ToList(), ct);
            foreach (var candidate in candidates)
            {
                var ids = members.Where(m => m.Key == candidate.Key).Select(m => m.Id).ToList();
                if (!dismissed.Any(d => d.Key == candidate.Key && d.Covers(ids)))
                {
                    groups.Add(new DuplicateGroup(kind, candidate.Key, candidate.Count, ids.Take(DuplicateMembersShown).Select(id => rows[id]).ToList()));
                }
            }

            if (candidates.Count <= size)
            {
                break;
            }
        }

        return groups.Count > size
            ? new DuplicatePage(groups.Take(size).ToList(), groups[size - 1].Key)
            : new DuplicatePage(groups, null);
    }

    /// <summary>The customers that look like duplicates of one customer (its detail page, the API), with the reasons.</summary>
    public async Task<IReadOnlyList<DuplicateMatch>?> DuplicatesOfAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await CustomerScope.Visible(db, user).Where(x => x.Id == id)
            .Select(x => new { x.Phone, x.Email, x.NameKey, x.TaxCode }).FirstOrDefaultAsync(ct);
        if (c is null)
        {
            return null;
        }

        var others = await CustomerScope.Visible(db, user)
            .Where(x => x.Id != id && ((c.Phone != null && x.Phone == c.Phone) || (c.Email != null && x.Email == c.Email)
                || (c.TaxCode != null && x.NameKey == c.NameKey && x.TaxCode == c.TaxCode)))
            .OrderBy(x => x.NameKey).ThenBy(x => x.Id).Take(MaxPageSize)
            .Select(x => new { x.Id, x.Phone, x.Email, x.NameKey, x.TaxCode }).ToListAsync(ct);
        var rows = await MembersAsync(db, others.Select(o => o.Id).ToList(), ct);
        return others.Select(o => new DuplicateMatch(rows[o.Id], new[]
            {
                c.Phone != null && o.Phone == c.Phone ? DuplicateKind.Phone : (DuplicateKind?)null,
                c.Email != null && o.Email == c.Email ? DuplicateKind.Email : null,
                c.TaxCode != null && o.NameKey == c.NameKey && o.TaxCode == c.TaxCode ? DuplicateKind.NameAndTaxCode : null,
            }.OfType<DuplicateKind>().ToList())).ToList();
    }

    /// <summary>
    /// Marks a group as "not duplicates" for the whole company (who and when are kept). Needs the edit right: it changes
    /// what everyone's finder shows. The members remembered are those the user sees now; a customer joining brings the
    /// group back.
    /// </summary>
    public async Task<bool> DismissDuplicatesAsync(UserAccess user, DuplicateKind kind, string key, CancellationToken ct = default)
    {
        Require(user, Rights.CustomersEdit, "mark customers as not duplicates");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await KeyedBy(CustomerScope.Visible(db, user), kind).Where(x => x.Key == key).Select(x => x.Id).ToListAsync(ct);
        if (ids.Count < 2)
        {
            return false;
        }

        var existing = await db.DuplicateDismissals.Where(d => d.Kind == kind && d.Key == key).ToListAsync(ct);
        db.DuplicateDismissals.RemoveRange(existing);
        // Those the user cannot see but an earlier dismissal named stay covered.
        var all = ids.Concat(existing.SelectMany(d => d.MemberIds.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))));
        db.DuplicateDismissals.Add(new DuplicateDismissal(kind, key, all, user.UserId, UtcNow));
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>A member-initialised class, not a positional record: EF translates grouping and filtering on its members.</summary>
    private sealed class Keyed
    {
        public int Id { get; init; }
        public string? Key { get; init; }
    }

    /// <summary>Each customer with the value that groups it (null when it has none).</summary>
    private static IQueryable<Keyed> KeyedBy(IQueryable<Customer> customers, DuplicateKind kind) => kind switch
    {
        DuplicateKind.Phone => customers.Where(c => c.Phone != null).Select(c => new Keyed { Id = c.Id, Key = c.Phone }),
        DuplicateKind.Email => customers.Where(c => c.Email != null).Select(c => new Keyed { Id = c.Id, Key = c.Email }),
        _ => customers.Where(c => c.TaxCode != null && c.TaxCode != "").Select(c => new Keyed { Id = c.Id, Key = c.NameKey + "|" + c.TaxCode }),
    };

    private static async Task<Dictionary<int, MergeCustomer>> MembersAsync(CrmDbContext db, List<int> ids, CancellationToken ct) =>
        (await db.Customers.Where(c => ids.Contains(c.Id))
            .Select(c => new MergeCustomer(c.Id, c.Code, c.Name, c.Phone, c.Email,
                db.StaffProfiles.Where(p => p.Id == c.OwnerId).Select(p => p.FullName).FirstOrDefault(), c.Version, c.CreatedAt))
            .ToListAsync(ct)).ToDictionary(c => c.Id);
}
