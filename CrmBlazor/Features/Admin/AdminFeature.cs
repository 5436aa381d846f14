using CrmBlazor.Security;

namespace CrmBlazor.Features.Admin;

public static class AdminFeature
{
    /// <summary>Departments, users, permission groups, the user's own profile, and circuits that sign out a deactivated
    /// user (issue 3, R7).</summary>
    public static IServiceCollection AddAdminFeature(this IServiceCollection services)
    {
        services.AddScoped<OrganizationService>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<ProfileService>();
        services.AddActiveUserAuthentication();
        return services;
    }
}
