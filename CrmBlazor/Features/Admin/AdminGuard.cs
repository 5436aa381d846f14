using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Admin;

/// <summary>Server-side rights check before every admin write (R7.4): the caller's rights are read fresh from the
/// database, so a right revoked a second ago is already gone.</summary>
internal static class AdminGuard
{
    public static async Task<UserAccess> RequireUserAdminAsync(IDbContextFactory<CrmDbContext> dbFactory, UserAccess actor, CancellationToken ct)
    {
        var fresh = await CurrentUser.LoadAsync(dbFactory, actor.UserId, ct);
        if (fresh is null || !fresh.Has(Rights.UserAdmin))
        {
            throw new AccessDeniedException("Only users with the user administration right can change users, departments and permission groups.");
        }

        return fresh;
    }

    public static string RequireName(string? name, int maxLength)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            throw new Domain.Common.DomainException(OrganizationRules.NameRequired, "A name is required.");
        }

        return trimmed.Length > maxLength ? trimmed[..maxLength] : trimmed;
    }
}
