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
    public const string ViewKpi = "right:" + nameof(Rights.ViewKpi);

    public static IServiceCollection AddCrmPolicies(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, RightHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(CustomersAccess, p => p.AddRequirements(new RightRequirement(Rights.CustomersAccess)))
            .AddPolicy(CrmSettings, p => p.AddRequirements(new RightRequirement(Rights.CrmSettings)))
            .AddPolicy(UserAdmin, p => p.AddRequirements(new RightRequirement(Rights.UserAdmin)))
            .AddPolicy(CustomersImport, p => p.AddRequirements(new RightRequirement(Rights.CustomersImport)))
            .AddPolicy(CustomersExport, p => p.AddRequirements(new RightRequirement(Rights.CustomersExport)))
            .AddPolicy(ViewKpi, p => p.AddRequirements(new RightRequirement(Rights.ViewKpi)));
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

/// <summary>Which right a page needs: read from its <c>[Authorize(Policy = …)]</c>, for the page that says what is missing.</summary>
public static class PageRights
{
    private static readonly Lazy<(Type Page, string[] Segments)[]> Routes = new(() =>
        typeof(PageRights).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes(typeof(Microsoft.AspNetCore.Components.RouteAttribute), false)
                .Cast<Microsoft.AspNetCore.Components.RouteAttribute>()
                .Select(r => (t, r.Template.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries))))
            .ToArray());

    /// <summary>The right the page at <paramref name="path"/> needs (null: none beyond being signed in, or no such page).</summary>
    public static Rights? ForPath(string? path)
    {
        var segments = (path ?? string.Empty).Split('?', '#')[0].Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var page = Routes.Value.FirstOrDefault(r => r.Segments.Length == segments.Length
            && r.Segments.Zip(segments).All(p => p.First.StartsWith('{') || string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase))).Page;
        return page is null ? null : ForPage(page);
    }

    /// <summary>The right a page type needs.</summary>
    public static Rights? ForPage(Type? page)
    {
        var policy = page?.GetCustomAttributes(typeof(AuthorizeAttribute), true).Cast<AuthorizeAttribute>().Select(a => a.Policy).FirstOrDefault(p => p is not null);
        return policy is not null && policy.StartsWith("right:", StringComparison.Ordinal) && Enum.TryParse<Rights>(policy["right:".Length..], out var right)
            ? right
            : null;
    }
}
