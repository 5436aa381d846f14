using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Common;
using CrmBlazor.Features.Audit;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Admin;

public sealed record StaffRow(string Id, string UserName, string FullName, string? Email, string? Phone, int DepartmentId, string DepartmentName,
    int PermissionGroupId, string PermissionGroupName, bool IsAdministrator, bool IsActive);

public sealed record StaffInput
{
    public string UserName { get; init; } = string.Empty;
    public string FullName { get; init; } = string.Empty;
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public int DepartmentId { get; init; }
    public int PermissionGroupId { get; init; }
    /// <summary>Only when creating.</summary>
    public string? Password { get; init; }
}

/// <summary>
/// Staff accounts (R7.1): create, edit, deactivate/reactivate, reset password. Every write checks the caller's "user
/// administration" right on the server (R7.4); a change of group, department or active state publishes
/// <see cref="UserAccessChanged"/> so the user's open pages re-read their scope (and a deactivated user is signed out).
/// Each operation runs in a scope of its own (UserManager and its context are short-lived, never held by a circuit).
/// </summary>
public sealed class UserAdminService(IServiceScopeFactory scopes, IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, UserSessions sessions)
{
    public async Task<IReadOnlyList<StaffRow>> ListAsync(UserAccess actor, string? search = null, bool includeInactive = true, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.StaffProfiles.AsNoTracking()
            .Where(p => includeInactive || p.IsActive)
            .Select(p => new StaffRow(p.Id, p.UserName, p.FullName, p.Email, p.Phone, p.DepartmentId, p.Department!.Name, p.PermissionGroupId,
                p.PermissionGroup!.Name, p.PermissionGroup.IsBuiltInAdministrators, p.IsActive))
            .ToListAsync(ct);
        IEnumerable<StaffRow> result = rows;
        if (!string.IsNullOrWhiteSpace(search))
        {
            var folded = SearchKey.Fold(search);
            result = rows.Where(r => SearchKey.Fold($"{r.UserName} {r.FullName} {r.Email} {r.Phone} {r.DepartmentName}").Contains(folded, StringComparison.Ordinal));
        }

        return [.. result.OrderByDescending(r => r.IsActive).ThenBy(r => r.FullName, StringComparer.CurrentCultureIgnoreCase)];
    }

    public async Task<string> CreateAsync(UserAccess actor, StaffInput input, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        var login = input.UserName?.Trim() ?? string.Empty;
        if (login.Length is 0 or > 64 || login.Any(ch => char.IsWhiteSpace(ch)))
        {
            throw new DomainException(OrganizationRules.LoginNameInvalid, "A login name is 1-64 characters without spaces.");
        }

        var fullName = AdminGuard.RequireName(input.FullName, 150);
        if (string.IsNullOrWhiteSpace(input.Password))
        {
            throw new DomainException(OrganizationRules.PasswordRejected, "An initial password is required.");
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        // Login names are unique without regard to case (Identity compares the normalised name too).
        if (await users.FindByNameAsync(login) is not null)
        {
            throw new DomainException(OrganizationRules.LoginNameTaken, $"The login name '{login}' is already taken.");
        }

        await EnsurePlacementExistsAsync(db, input.DepartmentId, input.PermissionGroupId, ct);
        var email = NormalizeEmail(input.Email);
        var user = new AppUser { UserName = login, Email = email, EmailConfirmed = true, LockoutEnabled = true };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await users.CreateAsync(user, input.Password);
        if (!result.Succeeded)
        {
            throw IdentityFailure(result);
        }

        var profile = new StaffProfile(user.Id, login, fullName, input.DepartmentId, input.PermissionGroupId);
        profile.SetContact(email, NormalizePhone(input.Phone));
        db.StaffProfiles.Add(profile);
        db.AddAudit(actor, AuditActions.UserCreated, AuditTargets.User, user.Id, TargetName(profile), null, await AuditValuesAsync(db, profile, ct));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return user.Id;
    }

    public async Task UpdateAsync(UserAccess actor, string userId, StaffInput input, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        var fullName = AdminGuard.RequireName(input.FullName, 150);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var profile = await FindProfileAsync(db, userId, ct);
        await EnsurePlacementExistsAsync(db, input.DepartmentId, input.PermissionGroupId, ct);
        var placementChanged = profile.DepartmentId != input.DepartmentId || profile.PermissionGroupId != input.PermissionGroupId;
        if (profile.PermissionGroupId != input.PermissionGroupId && profile.IsActive)
        {
            await EnsureNotLastAdministratorAsync(db, profile, ct);
        }

        var email = NormalizeEmail(input.Email);
        var before = await AuditValuesAsync(db, profile, ct);
        profile.Rename(fullName);
        profile.SetContact(email, NormalizePhone(input.Phone));
        profile.PlaceIn(input.DepartmentId, input.PermissionGroupId);
        db.AddAuditOfChange(actor, AuditActions.UserChanged, AuditTargets.User, userId, TargetName(profile), before, await AuditValuesAsync(db, profile, ct));
        await db.SaveChangesAsync(ct);
        var account = await users.FindByIdAsync(userId);
        if (account is not null && account.Email != email)
        {
            account.Email = email;
            var result = await users.UpdateAsync(account);
            if (!result.Succeeded)
            {
                throw IdentityFailure(result);
            }
        }

        await tx.CommitAsync(ct);
        if (placementChanged)
        {
            live.Publish(new UserAccessChanged(userId));
        }
    }

    /// <summary>Deactivates an account: it cannot sign in, its cookies stop working and its open circuits are signed out.</summary>
    public async Task DeactivateAsync(UserAccess actor, string userId, CancellationToken ct = default)
    {
        var admin = await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        if (admin.UserId == userId)
        {
            throw new DomainException(OrganizationRules.CannotDeactivateSelf, "You cannot deactivate your own account.");
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var profile = await FindProfileAsync(db, userId, ct);
        if (!profile.IsActive)
        {
            return;
        }

        await EnsureNotLastAdministratorAsync(db, profile, ct);
        profile.Deactivate();
        db.AddAudit(actor, AuditActions.UserDeactivated, AuditTargets.User, userId, TargetName(profile),
            AuditRecorder.Values(("active", true)), AuditRecorder.Values(("active", false)));
        await db.SaveChangesAsync(ct);
        var account = await users.FindByIdAsync(userId);
        if (account is not null)
        {
            // Old cookies die at their next request (the stamp no longer matches).
            await users.UpdateSecurityStampAsync(account);
        }

        await tx.CommitAsync(ct);
        // After the commit (SQLite has one writer): every session ends, its circuits and hub connections close.
        await sessions.EndAllAsync(userId, ct);
        live.Publish(new UserAccessChanged(userId));
    }

    public async Task ReactivateAsync(UserAccess actor, string userId, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var profile = await FindProfileAsync(db, userId, ct);
        if (profile.IsActive)
        {
            return;
        }

        profile.Reactivate();
        db.AddAudit(actor, AuditActions.UserReactivated, AuditTargets.User, userId, TargetName(profile),
            AuditRecorder.Values(("active", false)), AuditRecorder.Values(("active", true)));
        await db.SaveChangesAsync(ct);
        live.Publish(new UserAccessChanged(userId));
    }

    /// <summary>Sets a new password chosen by the administrator; the user's sessions end (the stamp changes).</summary>
    public async Task ResetPasswordAsync(UserAccess actor, string userId, string newPassword, CancellationToken ct = default)
    {
        await AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var account = await users.FindByIdAsync(userId) ?? throw new DomainException(OrganizationRules.UserNotFound, "The user no longer exists.");
        var profile = await FindProfileAsync(db, userId, ct);
        // The new password, the lockout reset and the audit entry (which never holds the password) commit together.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var token = await users.GeneratePasswordResetTokenAsync(account);
        var result = await users.ResetPasswordAsync(account, token, newPassword ?? string.Empty);
        if (!result.Succeeded)
        {
            throw IdentityFailure(result);
        }

        await users.SetLockoutEndDateAsync(account, null);
        await users.ResetAccessFailedCountAsync(account);
        db.AddAudit(actor, AuditActions.UserPasswordReset, AuditTargets.User, userId, TargetName(profile));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await sessions.EndAllAsync(userId, ct);
        live.Publish(new UserAccessChanged(userId));
    }

    /// <summary>Identity's password rules, for the forms' hints.</summary>
    public static DomainException IdentityFailure(IdentityResult result)
    {
        var codes = result.Errors.Select(e => e.Code).ToList();
        if (codes.Contains(nameof(IdentityErrorDescriber.DuplicateUserName)))
        {
            return new DomainException(OrganizationRules.LoginNameTaken, "The login name is already taken.");
        }

        if (codes.Contains(nameof(IdentityErrorDescriber.InvalidUserName)))
        {
            return new DomainException(OrganizationRules.LoginNameInvalid, "The login name has characters that are not allowed.");
        }

        if (codes.Contains(CrmBlazor.Security.Passwords.CrmPasswordValidator.SameAsCurrentCode))
        {
            return new DomainException(OrganizationRules.PasswordSameAsCurrent, "The new password must differ from the current one.");
        }

        return new DomainException(OrganizationRules.PasswordRejected, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    private static async Task EnsureNotLastAdministratorAsync(CrmDbContext db, StaffProfile leaving, CancellationToken ct)
    {
        var isAdmin = await db.PermissionGroups.AnyAsync(g => g.Id == leaving.PermissionGroupId && g.IsBuiltInAdministrators, ct);
        if (!isAdmin || !leaving.IsActive)
        {
            return;
        }

        var others = await db.StaffProfiles.CountAsync(p => p.Id != leaving.Id && p.IsActive && p.PermissionGroup!.IsBuiltInAdministrators, ct);
        if (others == 0)
        {
            throw new DomainException(OrganizationRules.LastAdministrator, "This is the last active administrator; make someone else an administrator first.");
        }
    }

    private static async Task EnsurePlacementExistsAsync(CrmDbContext db, int departmentId, int groupId, CancellationToken ct)
    {
        if (!await db.Departments.AnyAsync(d => d.Id == departmentId, ct))
        {
            throw new DomainException(OrganizationRules.DepartmentNotFound, "Choose a department.");
        }

        if (!await db.PermissionGroups.AnyAsync(g => g.Id == groupId, ct))
        {
            throw new DomainException(OrganizationRules.GroupNotFound, "Choose a permission group.");
        }
    }

    private static string TargetName(StaffProfile profile) => $"{profile.FullName} ({profile.UserName})";

    /// <summary>What the audit log shows of an account (never its password): placement by name, as it reads on the page.</summary>
    private static async Task<Dictionary<string, object?>> AuditValuesAsync(CrmDbContext db, StaffProfile profile, CancellationToken ct) =>
        AuditRecorder.Values(
            ("fullName", profile.FullName), ("email", profile.Email), ("phone", profile.Phone),
            ("department", await db.Departments.Where(d => d.Id == profile.DepartmentId).Select(d => d.Name).SingleOrDefaultAsync(ct)),
            ("permissionGroup", await db.PermissionGroups.Where(g => g.Id == profile.PermissionGroupId).Select(g => g.Name).SingleOrDefaultAsync(ct)));

    private static async Task<StaffProfile> FindProfileAsync(CrmDbContext db, string userId, CancellationToken ct) =>
        await db.StaffProfiles.SingleOrDefaultAsync(p => p.Id == userId, ct)
        ?? throw new DomainException(OrganizationRules.UserNotFound, "The user no longer exists.");

    private static string? NormalizeEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return null;
        }

        return EmailAddress.Normalize(email) ?? throw new DomainException(RuleCodes.EmailInvalid, "The email address is not valid.");
    }

    private static string? NormalizePhone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }

        return PhoneNormalizer.Normalize(phone) ?? throw new DomainException(RuleCodes.PhoneInvalid, "The phone number is not valid.");
    }
}
