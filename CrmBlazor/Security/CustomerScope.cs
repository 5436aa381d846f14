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
/// attached to them goes through <see cref="Apply"/>.
/// </summary>
public static class CustomerScope
{
    public static VisibilityLevel LevelOf(Rights rights) =>
        (rights & Rights.CustomersViewAll) != 0 ? VisibilityLevel.All
        : (rights & Rights.CustomersSubDepartment) != 0 ? VisibilityLevel.SubDepartment
        : VisibilityLevel.Own;

    /// <summary>
    /// Filters <paramref name="customers"/> to those <paramref name="user"/> may see: owned by them, listed as a related
    /// user, unassigned ones they created; with "sub-department" also those owned by users of their department or any
    /// department below it; with "view all" every customer. Without "customers access" nothing.
    /// </summary>
    public static IQueryable<Customer> Apply(IQueryable<Customer> customers, CrmDbContext db, UserAccess user)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            return customers.Where(_ => false);
        }

        var uid = user.UserId;
        switch (LevelOf(user.Rights))
        {
            case VisibilityLevel.All:
                return customers;
            case VisibilityLevel.SubDepartment:
                var path = user.DepartmentPath;
                var teamOwners = db.StaffProfiles.Where(p => p.Department!.Path.StartsWith(path)).Select(p => p.Id);
                return customers.Where(c =>
                    c.OwnerId == uid
                    || (c.OwnerId == null && c.CreatedById == uid)
                    || teamOwners.Contains(c.OwnerId!)
                    || db.CustomerRelatedUsers.Any(r => r.CustomerId == c.Id && r.UserId == uid));
            default:
                return customers.Where(c =>
                    c.OwnerId == uid
                    || (c.OwnerId == null && c.CreatedById == uid)
                    || db.CustomerRelatedUsers.Any(r => r.CustomerId == c.Id && r.UserId == uid));
        }
    }

    /// <summary>The live (not trashed) customers the user may see.</summary>
    public static IQueryable<Customer> Visible(CrmDbContext db, UserAccess user) =>
        Apply(db.Customers.Where(c => !c.IsDeleted), db, user);
}
