using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Admin;

public sealed record MyProfile(string UserName, string FullName, string? Email, string? Phone, string DepartmentName, string PermissionGroupName);

/// <summary>A signed-in user's own account: display name and password (no admin right needed, only their own).</summary>
public sealed class ProfileService(IServiceScopeFactory scopes, IDbContextFactory<CrmDbContext> dbFactory, UserSessions sessions)
{
    public async Task<MyProfile> GetAsync(UserAccess me, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.StaffProfiles.AsNoTracking().Where(p => p.Id == me.UserId && p.IsActive)
            .Select(p => new MyProfile(p.UserName, p.FullName, p.Email, p.Phone, p.Department!.Name, p.PermissionGroup!.Name))
            .SingleOrDefaultAsync(ct) ?? throw new NotSignedInException();
    }

    public async Task ChangeDisplayNameAsync(UserAccess me, string fullName, CancellationToken ct = default)
    {
        var clean = AdminGuard.RequireName(fullName, 150);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var profile = await db.StaffProfiles.SingleOrDefaultAsync(p => p.Id == me.UserId && p.IsActive, ct) ?? throw new NotSignedInException();
        profile.Rename(clean);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Changes the caller's password after checking the current one. The security stamp changes, so other
    /// sessions of this user end and this one must sign in again.</summary>
    public async Task ChangePasswordAsync(UserAccess me, string currentPassword, string newPassword, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var account = await users.FindByIdAsync(me.UserId) ?? throw new NotSignedInException();
        if (!await users.CheckPasswordAsync(account, currentPassword ?? string.Empty))
        {
            throw new DomainException(ProfileRules.WrongCurrentPassword, "The current password is not correct.");
        }

        var result = await users.ChangePasswordAsync(account, currentPassword!, newPassword ?? string.Empty);
        if (!result.Succeeded)
        {
            throw UserAdminService.IdentityFailure(result);
        }

        await sessions.EndAllAsync(me.UserId, ct);
    }

    /// <summary>"Sign out everywhere" (#20): ends every session of the caller, this one included, on every device — their
    /// cookies (and copies of them) stop working, their open pages go to the sign-in page and their hub connections
    /// close. The security stamp changes too, so a cookie from before sessions existed cannot come back either.</summary>
    public async Task SignOutEverywhereAsync(UserAccess me, CancellationToken ct = default)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var account = await users.FindByIdAsync(me.UserId) ?? throw new NotSignedInException();
            await users.UpdateSecurityStampAsync(account);
        }

        await sessions.EndAllAsync(me.UserId, ct);
    }
}

public static class ProfileRules
{
    public const string WrongCurrentPassword = "profile.wrong-current-password";
}
