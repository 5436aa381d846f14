using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;

namespace CrmBlazor.Security;

/// <summary>
/// The inverse of <see cref="CustomerScope"/>: which active staff may see one customer (R7.3). Used for the mention
/// picker and for who is notified. Tests compare it with CustomerScope on random organisations.
/// </summary>
public static class CustomerAudience
{
    public static IQueryable<StaffProfile> UsersWhoCanSee(CrmDbContext db, int customerId)
    {
        var customer = db.Customers.Where(c => c.Id == customerId && !c.IsDeleted);
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
}
