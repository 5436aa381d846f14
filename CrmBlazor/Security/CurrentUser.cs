using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Security;

/// <summary>
/// What a signed-in user may do right now: read from the database for every operation, never cached from sign-in,
/// so a change of group or department takes effect without signing in again (ARCHITECTURE "Avoid").
/// </summary>
public sealed record UserAccess(string UserId, string UserName, string FullName, int DepartmentId, string DepartmentPath, Rights Rights,
    string TimeZone, string Culture)
{
    public bool Has(Rights right) => (Rights & right) == right;

    /// <summary>The client address the user acts from (the audit log's "from where"); null when unknown.</summary>
    public string? Address { get; init; }
}

public sealed class NotSignedInException() : UnauthorizedAccessException("Sign in first.");

/// <summary>Thrown by a service when the caller lacks a right (R7.4).</summary>
public sealed class AccessDeniedException(string message) : UnauthorizedAccessException(message);

/// <summary>Resolves the current user's <see cref="UserAccess"/> in a circuit or an HTTP request.</summary>
public sealed class CurrentUser(AuthenticationStateProvider authenticationState, IDbContextFactory<CrmDbContext> dbFactory, ClientAddress? address = null)
{
    public async Task<UserAccess> GetAsync(CancellationToken ct = default)
    {
        var state = await authenticationState.GetAuthenticationStateAsync();
        var id = state.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new NotSignedInException();
        var access = await LoadAsync(dbFactory, id, ct) ?? throw new NotSignedInException();
        return access with { Address = address?.Value };
    }

    public static async Task<UserAccess?> LoadAsync(IDbContextFactory<CrmDbContext> dbFactory, string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.StaffProfiles.AsNoTracking()
            .Where(p => p.Id == userId && p.IsActive)
            .Select(p => new UserAccess(p.Id, p.UserName, p.FullName, p.DepartmentId, p.Department!.Path, p.PermissionGroup!.Rights, p.TimeZone, p.Culture))
            .SingleOrDefaultAsync(ct);
    }
}
