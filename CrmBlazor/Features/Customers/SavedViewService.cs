using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

/// <summary>A saved view as the list's views menu shows it: whose it is, and whether it is shared.</summary>
public sealed record SavedViewRow(int Id, string Name, string Query, bool IsMine, string OwnerName, string? SharedWith);

/// <summary>
/// Named views of the customer list (a query of the list's URL codec), per user and optionally shared with the user's
/// department. A view holds a query, not customers: whoever opens it sees what their own scope allows (R7.3).
/// </summary>
public sealed class SavedViewService(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>My views, and the views shared with my department or a department above it.</summary>
    public async Task<IReadOnlyList<SavedViewRow>> ListAsync(UserAccess user, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var path = user.DepartmentPath;
        var rows = await db.SavedViews.AsNoTracking()
            .Where(v => v.OwnerId == user.UserId
                || (v.SharedWithDepartmentId != null && db.Departments.Any(d => d.Id == v.SharedWithDepartmentId && path.StartsWith(d.Path))))
            .OrderBy(v => v.Name)
            .Select(v => new
            {
                v.Id, v.Name, v.Query, v.OwnerId,
                Owner = db.StaffProfiles.Where(p => p.Id == v.OwnerId).Select(p => p.FullName).FirstOrDefault(),
                Shared = db.Departments.Where(d => d.Id == v.SharedWithDepartmentId).Select(d => d.Name).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return rows.Select(v => new SavedViewRow(v.Id, v.Name, v.Query, v.OwnerId == user.UserId, v.Owner ?? string.Empty, v.Shared))
            .OrderByDescending(v => v.IsMine).ThenBy(v => v.Name, StringComparer.CurrentCulture).ToList();
    }

    /// <summary>Saves the list's current query under a name (replacing my view of that name), shared with my department or not.</summary>
    public async Task<int> SaveAsync(UserAccess user, string name, CustomerListQuery query, bool shareWithDepartment, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var clean = name?.Trim() ?? string.Empty;
        var existing = await db.SavedViews.SingleOrDefaultAsync(v => v.OwnerId == user.UserId && v.Name == clean, ct);
        var q = CustomerListUrl.QueryString(query with { Page = 0 });
        var shared = shareWithDepartment ? user.DepartmentId : (int?)null;
        var now = clock.GetUtcNow().UtcDateTime;
        if (existing is null)
        {
            existing = new SavedView(user.UserId, clean, q, shared, now);
            db.SavedViews.Add(existing);
        }
        else
        {
            existing.Change(clean, q, shared, now);
        }

        await db.SaveChangesAsync(ct);
        return existing.Id;
    }

    /// <summary>Deletes one of my views (another user's view is not found).</summary>
    public async Task<bool> DeleteAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SavedViews.Where(v => v.Id == id && v.OwnerId == user.UserId).ExecuteDeleteAsync(ct) == 1;
    }

    private static void RequireAccess(UserAccess user)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            throw new AccessDeniedException("No access to customers.");
        }
    }
}
