using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Common;
using CrmBlazor.Features.Audit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Admin;

public sealed record DepartmentNode(int Id, string Name, int? ParentId, string Path, int UserCount, int ChildCount)
{
    public int Depth => Path.Count(c => c == '/') - 2;
}

public sealed record PermissionGroupRow(int Id, string Name, Rights Rights, bool IsBuiltInAdministrators, int MemberCount);

/// <summary>
/// Departments (R7.1) and permission groups (R7.2). Every write checks the caller's "user administration" right on the
/// server and publishes <see cref="UserAccessChanged"/> for each user whose scope or rights it changed.
/// </summary>
public sealed class OrganizationService(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live)
{
    /// <summary>Who can grant rights (active users with the user-admin right), for a user told they lack one.</summary>
    public async Task<IReadOnlyList<string>> UserAdministratorNamesAsync(int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.StaffProfiles.AsNoTracking()
            .Where(p => p.IsActive && (p.PermissionGroup!.Rights & Rights.UserAdmin) != 0)
            .OrderBy(p => p.FullName).Take(take).Select(p => p.FullName).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<DepartmentNode>> DepartmentsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Departments.AsNoTracking()
            .OrderBy(d => d.Path)
            .Select(d => new DepartmentNode(d.Id, d.Name, d.ParentId, d.Path,
                db.StaffProfiles.Count(p => p.DepartmentId == d.Id),
                db.Departments.Count(c => c.ParentId == d.Id)))
            .ToListAsync(ct);
    }

    public async Task<int> CreateDepartmentAsync(UserAccess actor, string name, int parentId, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        var clean = AdminGuard.RequireName(name, 150);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var parent = await db.Departments.SingleOrDefaultAsync(d => d.Id == parentId, ct)
            ?? throw new DomainException(OrganizationRules.DepartmentNeedsParent, "Choose the department to add it under.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var department = new Department(clean, parent);
        db.Departments.Add(department);
        await db.SaveChangesAsync(ct);
        department.RefreshPath(parent.Path);
        db.AddAudit(actor, AuditActions.DepartmentCreated, AuditTargets.Department, department.Id, clean, null,
            AuditRecorder.Values(("name", clean), ("parent", parent.Name)));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return department.Id;
    }

    public async Task RenameDepartmentAsync(UserAccess actor, int id, string name, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        var clean = AdminGuard.RequireName(name, 150);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var department = await FindDepartmentAsync(db, id, ct);
        db.AddAuditOfChange(actor, AuditActions.DepartmentRenamed, AuditTargets.Department, id, clean,
            AuditRecorder.Values(("name", department.Name)), AuditRecorder.Values(("name", clean)));
        department.Rename(clean);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Moves a department (and its whole subtree) under another one; every path below is rewritten.</summary>
    public async Task MoveDepartmentAsync(UserAccess actor, int id, int newParentId, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var department = await FindDepartmentAsync(db, id, ct);
        var newParent = await db.Departments.SingleOrDefaultAsync(d => d.Id == newParentId, ct)
            ?? throw new DomainException(OrganizationRules.DepartmentNeedsParent, "Choose the department to move it under.");
        if (department.ParentId == newParentId)
        {
            return;
        }

        var oldPath = department.Path;
        var oldParentPath = department.Parent?.Path ?? (department.ParentId is { } pid ? (await db.Departments.SingleAsync(d => d.Id == pid, ct)).Path : "/");
        var subtree = await db.Departments.Where(d => d.Path.StartsWith(oldPath) && d.Id != id).ToListAsync(ct);
        var oldParentName = await db.Departments.Where(d => d.Id == department.ParentId).Select(d => d.Name).SingleOrDefaultAsync(ct);
        department.MoveUnder(newParent);
        db.AddAudit(actor, AuditActions.DepartmentMoved, AuditTargets.Department, id, department.Name,
            AuditRecorder.Values(("parent", oldParentName)), AuditRecorder.Values(("parent", newParent.Name)));

        // Parents before children: each child's new path is built from its parent's new path.
        var byId = subtree.ToDictionary(d => d.Id);
        byId[department.Id] = department;
        foreach (var d in subtree.OrderBy(d => d.Path.Length))
        {
            d.RefreshPath(byId[d.ParentId!.Value].Path);
        }

        await db.SaveChangesAsync(ct);

        // Whose scope changed: everyone in the subtree, and everyone above the old or the new place (their
        // sub-department now has more or fewer customers).
        var ancestorIds = AncestorIds(oldParentPath).Concat(AncestorIds(newParent.Path)).Concat(byId.Keys).ToHashSet();
        var affected = await db.StaffProfiles.Where(p => ancestorIds.Contains(p.DepartmentId)).Select(p => p.Id).ToListAsync(ct);
        await tx.CommitAsync(ct);
        Publish(affected);
    }

    /// <summary>Deletes a department that has no users and no child departments.</summary>
    public async Task DeleteDepartmentAsync(UserAccess actor, int id, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var department = await FindDepartmentAsync(db, id, ct);
        var users = await db.StaffProfiles.CountAsync(p => p.DepartmentId == id, ct);
        if (users > 0)
        {
            throw new DomainException(OrganizationRules.DepartmentHasUsers, $"The department still has {users} user(s); move them first.");
        }

        if (await db.Departments.AnyAsync(d => d.ParentId == id, ct))
        {
            throw new DomainException(OrganizationRules.DepartmentHasChildren, "The department still has departments below it; move or delete them first.");
        }

        db.Departments.Remove(department);
        db.AddAudit(actor, AuditActions.DepartmentDeleted, AuditTargets.Department, id, department.Name, AuditRecorder.Values(("name", department.Name)));
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<PermissionGroupRow>> GroupsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.PermissionGroups.AsNoTracking()
            .Select(g => new PermissionGroupRow(g.Id, g.Name, g.Rights, g.IsBuiltInAdministrators, db.StaffProfiles.Count(p => p.PermissionGroupId == g.Id)))
            .ToListAsync(ct);
        return [.. rows.OrderByDescending(g => g.IsBuiltInAdministrators).ThenBy(g => g.Name, StringComparer.CurrentCultureIgnoreCase)];
    }

    public async Task<int> CreateGroupAsync(UserAccess actor, string name, Rights rights, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        var clean = AdminGuard.RequireName(name, 100);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await EnsureGroupNameFreeAsync(db, clean, null, ct);
        var group = new PermissionGroup(clean, rights & Rights.All);
        db.PermissionGroups.Add(group);
        await db.SaveCreatedAsync(actor, AuditActions.GroupCreated, AuditTargets.PermissionGroup, () => group.Id, clean,
            AuditRecorder.Values(("name", clean), ("rights", AuditRecorder.RightNames(group.Rights))), ct);
        return group.Id;
    }

    public async Task RenameGroupAsync(UserAccess actor, int id, string name, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        var clean = AdminGuard.RequireName(name, 100);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var group = await FindGroupAsync(db, id, ct);
        await EnsureGroupNameFreeAsync(db, clean, id, ct);
        db.AddAuditOfChange(actor, AuditActions.GroupRenamed, AuditTargets.PermissionGroup, id, clean,
            AuditRecorder.Values(("name", group.Name)), AuditRecorder.Values(("name", clean)));
        group.Rename(clean);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Sets a group's rights; every member's open pages re-read their scope. The built-in administrators
    /// group keeps every right whatever is asked.</summary>
    public async Task SetGroupRightsAsync(UserAccess actor, int id, Rights rights, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var group = await FindGroupAsync(db, id, ct);
        var before = group.Rights;
        group.SetRights(rights & Rights.All);
        if (group.Rights == before)
        {
            return;
        }

        db.AddAudit(actor, AuditActions.GroupRightsChanged, AuditTargets.PermissionGroup, id, group.Name,
            AuditRecorder.Values(("rights", AuditRecorder.RightNames(before))), AuditRecorder.Values(("rights", AuditRecorder.RightNames(group.Rights))));
        await db.SaveChangesAsync(ct);
        var members = await db.StaffProfiles.Where(p => p.PermissionGroupId == id).Select(p => p.Id).ToListAsync(ct);
        Publish(members);
    }

    public async Task DeleteGroupAsync(UserAccess actor, int id, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var group = await FindGroupAsync(db, id, ct);
        if (group.IsBuiltInAdministrators)
        {
            throw new DomainException(OrganizationRules.GroupBuiltIn, "The built-in administrators group cannot be deleted.");
        }

        var members = await db.StaffProfiles.CountAsync(p => p.PermissionGroupId == id, ct);
        if (members > 0)
        {
            throw new DomainException(OrganizationRules.GroupInUse, $"The group still has {members} member(s); move them to another group first.");
        }

        db.PermissionGroups.Remove(group);
        db.AddAudit(actor, AuditActions.GroupDeleted, AuditTargets.PermissionGroup, id, group.Name,
            AuditRecorder.Values(("name", group.Name), ("rights", AuditRecorder.RightNames(group.Rights))));
        await db.SaveChangesAsync(ct);
    }

    private void Publish(IEnumerable<string> userIds)
    {
        foreach (var userId in userIds.Distinct())
        {
            live.Publish(new UserAccessChanged(userId));
        }
    }

    private static IEnumerable<int> AncestorIds(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<Department> FindDepartmentAsync(CrmDbContext db, int id, CancellationToken ct) =>
        await db.Departments.SingleOrDefaultAsync(d => d.Id == id, ct)
        ?? throw new DomainException(OrganizationRules.DepartmentNotFound, "The department no longer exists.");

    private static async Task<PermissionGroup> FindGroupAsync(CrmDbContext db, int id, CancellationToken ct) =>
        await db.PermissionGroups.SingleOrDefaultAsync(g => g.Id == id, ct)
        ?? throw new DomainException(OrganizationRules.GroupNotFound, "The permission group no longer exists.");

    private static async Task EnsureGroupNameFreeAsync(CrmDbContext db, string name, int? exceptId, CancellationToken ct)
    {
        var names = await db.PermissionGroups.Where(g => g.Id != exceptId).Select(g => g.Name).ToListAsync(ct);
        if (names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DomainException(OrganizationRules.GroupNameTaken, $"A permission group named '{name}' already exists.");
        }
    }
}
