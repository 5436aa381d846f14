using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>Arranges data in a running test app through its real services (Identity, EF Core).</summary>
public static class AppData
{
    /// <summary>An HTTP client of the test app carrying a new API token of <paramref name="userId"/>.</summary>
    public static async Task<HttpClient> ApiClientAsync(this CrmAppFactory app, string userId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var user = await CrmBlazor.Security.CurrentUser.LoadAsync(app.DbFactory, userId) ?? throw new InvalidOperationException();
        var token = await scope.ServiceProvider.GetRequiredService<CrmBlazor.Features.Api.AccessTokenService>().CreateAsync(user, "test");
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates a sign-in account in a new permission group with <paramref name="rights"/>, in the root department or the given one.</summary>
    public static async Task<string> CreateUserAsync(this CrmAppFactory app, string login, string password, Rights rights, string? fullName = null, int? departmentId = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        await using var db = await app.DbFactory.CreateDbContextAsync();
        var dept = departmentId ?? await db.Departments.OrderBy(d => d.Id).Select(d => d.Id).FirstAsync();
        var group = new PermissionGroup("Nhóm " + login, rights);
        db.PermissionGroups.Add(group);
        await db.SaveChangesAsync();
        var user = await StaffAccounts.CreateAsync(users, db, login, fullName ?? login, null, password, dept, group.Id, default);
        return user.Id;
    }

    /// <summary>The principal a sign-in cookie of <paramref name="userId"/> carries, with a session of its own opened (#20).</summary>
    public static async Task<System.Security.Claims.ClaimsPrincipal> SignedInPrincipalAsync(this CrmAppFactory app, string userId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var account = (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(userId))!;
        var principal = await scope.ServiceProvider.GetRequiredService<SignInManager<AppUser>>().CreateUserPrincipalAsync(account);
        var session = await app.Services.GetRequiredService<CrmBlazor.Security.UserSessions>().StartAsync(userId, "test", null);
        ((System.Security.Claims.ClaimsIdentity)principal.Identity!).AddClaim(new(CrmBlazor.Security.UserSessions.SessionIdClaim, session));
        return principal;
    }

    public static async Task<string> AdminIdAsync(this CrmAppFactory app)
    {
        await using var db = await app.DbFactory.CreateDbContextAsync();
        return await db.StaffProfiles.Where(p => p.UserName == DatabaseInitializer.AdminUserName).Select(p => p.Id).SingleAsync();
    }

    public static async Task<string> UserIdAsync(this CrmAppFactory app, string login)
    {
        await using var db = await app.DbFactory.CreateDbContextAsync();
        return await db.StaffProfiles.Where(p => p.UserName == login).Select(p => p.Id).SingleAsync();
    }

    /// <summary>A live customer the user owns (the demo company gives every salesperson some).</summary>
    public static async Task<int> FirstCustomerOfAsync(this CrmAppFactory app, string ownerId)
    {
        await using var db = await app.DbFactory.CreateDbContextAsync();
        return await db.Customers.Where(c => c.OwnerId == ownerId && !c.IsDeleted).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
    }

    public static async Task<int> CreateCustomerAsync(this CrmAppFactory app, string name, string phone, string? ownerId)
    {
        await using var db = await app.DbFactory.CreateDbContextAsync();
        var rel = await db.Relationships.Where(r => r.IsDefault).Select(r => r.Id).FirstAsync();
        var c = Customer.Create(new CustomerDetails { Name = name, Phone = phone }, rel, ownerId, ownerId, DateTime.UtcNow);
        db.Customers.Add(c);
        await db.SaveChangesAsync();
        c.AssignGeneratedCode();
        await db.SaveChangesAsync();
        return c.Id;
    }
}
