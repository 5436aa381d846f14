using System.Security.Claims;
using CrmBlazor.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CrmBlazor.Security;

public static class CrmClaims
{
    public const string FullName = "crm:full_name";
}

/// <summary>Adds the display name to the sign-in cookie. Rights are NOT put in the cookie; they are read per operation.</summary>
public sealed class CrmClaimsPrincipalFactory(UserManager<AppUser> users, IOptions<IdentityOptions> options, CrmDbContext db)
    : UserClaimsPrincipalFactory<AppUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        var fullName = await db.StaffProfiles.Where(p => p.Id == user.Id).Select(p => p.FullName).FirstOrDefaultAsync();
        if (!string.IsNullOrEmpty(fullName))
        {
            identity.AddClaim(new Claim(CrmClaims.FullName, fullName));
        }

        return identity;
    }
}
