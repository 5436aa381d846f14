using System.Security.Claims;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Security;

/// <summary>
/// Authorization policies, one per right (R7.2). Pages carry <c>[Authorize(Policy = Policies.X)]</c>; the handler reads
/// the user's rights from the database on every check, so a change of group takes effect without signing in again.
/// Services check the same rights again before every write (R7.4).
/// </summary>
public static class Policies
{
    public const string CustomersAccess = "right:" + nameof(Rights.CustomersAccess);
    public const string CrmSettings = "right:" + nameof(Rights.CrmSettings);
    public const string UserAdmin = "right:" + nameof(Rights.UserAdmin);
    public const string CustomersImport = "right:" + nameof(Rights.CustomersImport);
    public const string CustomersExport = "right:" + nameof(Rights.CustomersExport);

    public static IServiceCollection AddCrmPolicies(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, RightHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(CustomersAccess, p => p.AddRequirements(new RightRequirement(Rights.CustomersAccess)))
            .AddPolicy(CrmSettings, p => p.AddRequirements(new RightRequirement(Rights.CrmSettings)))
            .AddPolicy(UserAdmin, p => p.AddRequirements(new RightRequirement(Rights.UserAdmin)))
            .AddPolicy(CustomersImport, p => p.AddRequirements(new RightRequirement(Rights.CustomersImport)))
            .AddPolicy(CustomersExport, p => p.AddRequirements(new RightRequirement(Rights.CustomersExport)));
        return services;
    }
}

public sealed record RightRequirement(Rights Right) : IAuthorizationRequirement;

public sealed class RightHandler(IDbContextFactory<CrmDbContext> dbFactory) : AuthorizationHandler<RightRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, RightRequirement requirement)
    {
        var id = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (id is null)
        {
            return;
        }

        var access = await CurrentUser.LoadAsync(dbFactory, id);
        if (access is not null && access.Has(requirement.Right))
        {
            context.Succeed(requirement);
        }
    }
}
