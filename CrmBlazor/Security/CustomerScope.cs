using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Security;

/// <summary>How much of the customer base a user sees (R7.3): own ⊂ sub-department ⊂ all.</summary>
public enum VisibilityLevel
{
    Own,
    SubDepartment,
    All,
}

/// <summary>
/// The one place that decides which customers a user may see (R7.3). Every path that reads customers or anything
/// attached to them goes through <see cref="Apply"/> (lists, counts, search, detail, comments, exports, the mention
/// picker, reports, live events). The rule, exactly:
/// <list type="bullet">
/// <item>without "customers access": nothing;</item>
/// <item>"view all": every customer (unassigned ones included);</item>
/// <item>own: customers the user owns, customers that list the user as a related user (người liên quan), and
/// unassigned customers (no owner) the user created;</item>
/// <item>"sub-department": own, plus customers owned by any user (active or not) of the user's department or of any
/// department below it (materialised <see cref="Department.Path"/> prefix).</item>
/// </list>
/// CrmBlazor.Tests/Integration/Admin/ScopeOracleTests checks this against a plain in-memory evaluation.
/// </summary>
public static class CustomerScope
{
    public static VisibilityLevel LevelOf(Rights rights) =>
        (rights & Rights.CustomersViewAll) != 0 ? VisibilityLevel.All
        : (rights & Rights.CustomersSubDepartment) != 0 ? VisibilityLevel.SubDepartment
        : VisibilityLevel.Own;

    /// <summary>Filters <paramref name="customers"/> (trashed or not, as given) to those <paramref name="user"/> may see.</summary>
    public static IQueryable<Customer> Apply(IQueryable<Customer> customers, CrmDbContext db, UserAccess user)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            return customers.Where(_ => false);
        }

        var uid = user.UserId;
        // Written as OR of indexable terms (owner = / owner IN / id IN) so SQLite and PostgreSQL can answer counts from
        // indexes instead of scanning every customer with a correlated sub-query.
        var related = db.CustomerRelatedUsers.Where(r => r.UserId == uid).Select(r => r.CustomerId);
        switch (LevelOf(user.Rights))
        {
            case VisibilityLevel.All:
                return customers;
            case VisibilityLevel.SubDepartment:
                var teamOwners = TeamOwners(db, user);
                // COALESCE keeps SQLite from answering this OR by gathering every team row and sorting them (a
                // sub-department often sees a tenth of all customers): it walks the list's sort index instead and stops
                // after a page. Totals use CountVisibleAsync, which is OR-free and index-only.
                return customers.Where(c =>
                    c.OwnerId == uid
                    || teamOwners.Contains(c.OwnerId ?? string.Empty)
                    || (c.OwnerId == null && c.CreatedById == uid)
                    || related.Contains(c.Id));
            default:
                return customers.Where(c =>
                    c.OwnerId == uid
                    || (c.OwnerId == null && c.CreatedById == uid)
                    || related.Contains(c.Id));
        }
    }

    /// <summary>
    /// Narrows <paramref name="customers"/> to those owned by a user of the department or of any department below it (the
    /// list's and the reports' department filter; it never widens what the caller's scope let through). An unknown
    /// department leaves nothing.
    /// </summary>
    public static IQueryable<Customer> OwnedInDepartment(IQueryable<Customer> customers, CrmDbContext db, int departmentId)
    {
        var owners = OwnersInDepartment(db, departmentId);
        return customers.Where(c => owners.Contains(c.OwnerId!));
    }

    /// <summary>The staff of a department and of every department below it: the owners <see cref="OwnedInDepartment"/> keeps.</summary>
    public static IQueryable<string> OwnersInDepartment(CrmDbContext db, int departmentId)
    {
        var path = db.Departments.Where(d => d.Id == departmentId).Select(d => d.Path);
        return db.StaffProfiles.Where(p => path.Any(x => p.Department!.Path.StartsWith(x))).Select(p => p.Id);
    }

    /// <summary>The staff of the user's department and of every department below it: the owners a "sub-department" reader sees.</summary>
    public static IQueryable<string> TeamOwners(CrmDbContext db, UserAccess user)
    {
        var prefix = user.DepartmentPath;
        return db.StaffProfiles.Where(p => p.Department!.Path.StartsWith(prefix)).Select(p => p.Id);
    }

    /// <summary>
    /// The owners whose live customers make up the first of <see cref="VisibleParts"/>: null for "view all" (every customer,
    /// with or without an owner), the team for "sub-department", the user for "own"; none without the "customers access"
    /// right. Counts kept per owner (the reports' tallies) answer that part; the second part is read row by row.
    /// </summary>
    public static async Task<HashSet<string>?> FirstPartOwnersAsync(CrmDbContext db, UserAccess user, CancellationToken ct = default) =>
        !user.Has(Rights.CustomersAccess) ? []
        : LevelOf(user.Rights) switch
        {
            VisibilityLevel.All => null,
            VisibilityLevel.SubDepartment => (await TeamOwners(db, user).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal),
            _ => new HashSet<string>(StringComparer.Ordinal) { user.UserId },
        };

    /// <summary>The live (not trashed) customers the user may see.</summary>
    public static IQueryable<Customer> Visible(CrmDbContext db, UserAccess user) => Apply(Live(db), db, user);

    /// <summary>Customers not in the trash, written as "NOT IsDeleted": the same term as the filter of the partial
    /// indexes over live customers (CrmDbContext.ApplyLiveCustomerIndexes), so list order, paging and counts use them.</summary>
    public static IQueryable<Customer> Live(CrmDbContext db) => db.Customers.Where(c => !c.IsDeleted);

    /// <summary>Customers in the trash: deleted, not merged into another customer (R6.4: a merged customer is hidden like
    /// the trash but comes back by an unmerge, never from the trash, and its merge's undo time decides its purge).</summary>
    public static IQueryable<Customer> Trash(CrmDbContext db) => db.Customers.Where(c => c.IsDeleted && c.MergedIntoId == null);

    /// <summary>
    /// Counts the live customers <paramref name="user"/> may see, after an optional extra <paramref name="filter"/>
    /// (search, relationship…), as the sum of two disjoint OR-free counts: customers owned by the user (or their
    /// sub-department), answered from the (IsDeleted, OwnerId) index alone, plus the few related or unassigned ones owned
    /// by someone else. Same result as <c>Visible(db, user).CountAsync()</c> (the oracle test checks both), without the
    /// row-by-row OR that makes SQLite read every visible row: use it for list totals.
    /// </summary>
    public static async Task<int> CountVisibleAsync(CrmDbContext db, UserAccess user, Func<IQueryable<Customer>, IQueryable<Customer>>? filter = null,
        CancellationToken ct = default)
    {
        filter ??= q => q;
        var count = 0;
        foreach (var part in VisibleParts(db, user))
        {
            count += await filter(part).CountAsync(ct);
        }

        return count;
    }

    /// <summary>
    /// The live customers <paramref name="user"/> may see as disjoint OR-free parts whose union is <see cref="Visible"/>:
    /// everyone for "view all"; otherwise the customers owned by the user (or their sub-department), each answered from
    /// the owner index, and the few related or unassigned ones owned by someone else. Counts and groupings summed over
    /// the parts equal those of <see cref="Visible"/> without the row-by-row OR that makes SQLite read every visible row.
    /// None without the "customers access" right.
    /// </summary>
    public static IReadOnlyList<IQueryable<Customer>> VisibleParts(CrmDbContext db, UserAccess user)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            return [];
        }

        var live = Live(db);
        var uid = user.UserId;
        var extras = db.CustomerRelatedUsers.Where(r => r.UserId == uid).Select(r => r.CustomerId)
            .Concat(db.Customers.Where(c => c.OwnerId == null && c.CreatedById == uid).Select(c => c.Id));
        switch (LevelOf(user.Rights))
        {
            case VisibilityLevel.All:
                return [live];
            case VisibilityLevel.SubDepartment:
                var teamOwners = TeamOwners(db, user);
                return [live.Where(c => teamOwners.Contains(c.OwnerId!)), live.Where(c => extras.Contains(c.Id) && (c.OwnerId == null || !teamOwners.Contains(c.OwnerId)))];
            default:
                return [live.Where(c => c.OwnerId == uid), live.Where(c => extras.Contains(c.Id) && (c.OwnerId == null || c.OwnerId != uid))];
        }
    }

    /// <summary>
    /// The live customers <paramref name="user"/> is involved in: owns or is a related user of (R5.1 "new updates", the
    /// badge, the right to comment without the edit right). Always a part of <see cref="Visible"/>: nothing without the
    /// "customers access" right.
    /// </summary>
    public static IQueryable<Customer> Involved(CrmDbContext db, UserAccess user)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            return Live(db).Where(_ => false);
        }

        var uid = user.UserId;
        var related = db.CustomerRelatedUsers.Where(r => r.UserId == uid).Select(r => r.CustomerId);
        return Live(db).Where(c => c.OwnerId == uid || related.Contains(c.Id));
    }

    /// <summary>
    /// The inverse of <see cref="Apply"/>: the active staff who may see one live customer (the mention picker, who is
    /// notified). The oracle test compares it with <see cref="Apply"/> on random organisations.
    /// </summary>
    public static IQueryable<StaffProfile> Audience(CrmDbContext db, int customerId)
    {
        var customer = Live(db).Where(c => c.Id == customerId);
        return db.StaffProfiles.Where(p => p.IsActive
            && (p.PermissionGroup!.Rights & Rights.CustomersAccess) != 0
            && customer.Any()
            && ((p.PermissionGroup!.Rights & Rights.CustomersViewAll) != 0
                || customer.Any(c => c.OwnerId == p.Id)
                || customer.Any(c => c.OwnerId == null && c.CreatedById == p.Id)
                || db.CustomerRelatedUsers.Any(r => r.CustomerId == customerId && r.UserId == p.Id)
                || ((p.PermissionGroup!.Rights & Rights.CustomersSubDepartment) != 0
                    && customer.Any(c => db.StaffProfiles.Any(o => o.Id == c.OwnerId && o.Department!.Path.StartsWith(p.Department!.Path))))));
    }

    /// <summary>Of <see cref="Audience"/>, those involved in the customer (owner, related users): whose "new updates" grow.</summary>
    public static IQueryable<string> InvolvedAudience(CrmDbContext db, int customerId) =>
        Audience(db, customerId)
            .Where(p => db.Customers.Any(c => c.Id == customerId && c.OwnerId == p.Id)
                || db.CustomerRelatedUsers.Any(r => r.CustomerId == customerId && r.UserId == p.Id))
            .Select(p => p.Id);

    /// <summary>Whether <paramref name="user"/> may see one customer (detail, comments, live events). Trashed customers
    /// count only when <paramref name="includeTrashed"/> is set (the trash view).</summary>
    public static Task<bool> CanSee(CrmDbContext db, UserAccess user, int customerId, bool includeTrashed = false, CancellationToken ct = default)
    {
        var one = (includeTrashed ? db.Customers : Live(db)).Where(c => c.Id == customerId);

        return Apply(one, db, user).AnyAsync(ct);
    }

    /// <summary>Editing a customer needs the "edit" right and the visibility to see it (R7.3).</summary>
    public static async Task<bool> CanEdit(CrmDbContext db, UserAccess user, int customerId, CancellationToken ct = default) =>
        user.Has(Rights.CustomersEdit) && await CanSee(db, user, customerId, includeTrashed: false, ct);

    /// <summary>Throws <see cref="AccessDeniedException"/> unless <paramref name="user"/> may edit the customer (R7.4).</summary>
    public static async Task EnsureCanEdit(CrmDbContext db, UserAccess user, int customerId, CancellationToken ct = default)
    {
        if (!await CanEdit(db, user, customerId, ct))
        {
            throw new AccessDeniedException(user.Has(Rights.CustomersEdit)
                ? "This customer is not visible to you."
                : "Your permission group does not allow editing customers.");
        }
    }
}
