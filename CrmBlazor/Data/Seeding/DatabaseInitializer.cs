using System.Security.Cryptography;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Data.Seeding;

/// <summary>
/// Runs at start-up: applies the provider's migrations, then on an empty database creates the administrator,
/// the default relationships, sources and groups (Vietnamese names) and the root department; then demo data
/// when "Demo:Enabled" is on.
/// </summary>
public sealed class DatabaseInitializer(
    IServiceProvider services,
    IConfiguration configuration,
    ILogger<DatabaseInitializer> logger)
{
    public const string AdminUserName = "admin";
    public const string AdministratorsGroupName = "Quản trị viên";
    public const string RootDepartmentName = "Công ty";

    public static readonly string[] DefaultRelationships =
        ["Khách hàng tiềm năng", "Đã liên hệ", "Quan tâm", "Đã báo giá", "Đàm phán", "Đã mua hàng", "Khách hàng thân thiết", "Ngừng giao dịch"];

    private static readonly string[] RelationshipColors =
        ["#1E88E5", "#00ACC1", "#43A047", "#FDD835", "#FB8C00", "#8E24AA", "#E53935", "#757575"];

    public static readonly string[] DefaultSources = ["Website", "Facebook", "Zalo", "Giới thiệu", "Hội thảo", "Gọi điện", "Email marketing"];

    public static readonly string[] DefaultGroups = ["Khách lẻ", "Doanh nghiệp", "Đại lý", "VIP"];

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
            if (db.Database.IsSqlite())
            {
                // WAL lets readers go on while one writer saves.
                await db.Database.OpenConnectionAsync(ct);
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
                await db.Database.CloseConnectionAsync();
            }

            await SqliteStatistics.MigrateAsync(db, ct);
            await SeedBaseAsync(scope.ServiceProvider, db, ct);
        }

        if (configuration.GetValue("Demo:Enabled", false))
        {
            await using var scope = services.CreateAsyncScope();
            var demo = ActivatorUtilities.CreateInstance<DemoDataSeeder>(scope.ServiceProvider);
            await demo.SeedAsync(configuration.GetValue("Demo:Customers", 5000), ct);
        }
    }

    private async Task SeedBaseAsync(IServiceProvider sp, CrmDbContext db, CancellationToken ct)
    {
        if (!await db.Relationships.AnyAsync(ct))
        {
            for (var i = 0; i < DefaultRelationships.Length; i++)
            {
                db.Relationships.Add(new Relationship(DefaultRelationships[i], RelationshipColors[i], null, i, isDefault: i == 0));
            }

            for (var i = 0; i < DefaultSources.Length; i++)
            {
                db.Sources.Add(new Source(DefaultSources[i], i));
            }

            for (var i = 0; i < DefaultGroups.Length; i++)
            {
                db.CustomerGroups.Add(new CustomerGroup(DefaultGroups[i], i));
            }

            await db.SaveChangesAsync(ct);
        }

        if (!await db.Departments.AnyAsync(ct))
        {
            var root = new Department(RootDepartmentName);
            db.Departments.Add(root);
            await db.SaveChangesAsync(ct);
            root.RefreshPath(null);
            await db.SaveChangesAsync(ct);
        }

        if (await db.PermissionGroups.FirstOrDefaultAsync(g => g.IsBuiltInAdministrators, ct) is not { } administrators)
        {
            db.PermissionGroups.Add(new PermissionGroup(AdministratorsGroupName, Rights.All, isBuiltInAdministrators: true));
            await db.SaveChangesAsync(ct);
        }
        else if (administrators.Rights != Rights.All)
        {
            // A right added by an upgrade ("view KPI") belongs to the administrators at once, as every other right does.
            administrators.SetRights(Rights.All);
            await db.SaveChangesAsync(ct);
        }

        var users = sp.GetRequiredService<UserManager<AppUser>>();
        if (await users.FindByNameAsync(AdminUserName) is null)
        {
            var configured = configuration["Admin:Password"];
            var password = string.IsNullOrWhiteSpace(configured) ? GeneratePassword() : configured;
            var rootDept = await db.Departments.OrderBy(d => d.Id).FirstAsync(ct);
            var adminGroup = await db.PermissionGroups.FirstAsync(g => g.IsBuiltInAdministrators, ct);
            await StaffAccounts.CreateAsync(users, db, AdminUserName, "Quản trị hệ thống", "admin@crmblazor.local", password, rootDept.Id, adminGroup.Id, ct);
            if (string.IsNullOrWhiteSpace(configured))
            {
                // Printed once, on the start that created the account.
                Console.WriteLine($"CrmBlazor: created administrator '{AdminUserName}' with generated password: {password}");
            }

            logger.LogInformation("Created the administrator account '{User}'.", AdminUserName);
        }
    }

    private static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        var chars = RandomNumberGenerator.GetItems<char>(alphabet, 14);
        return new string(chars) + "#7a";
    }
}

/// <summary>Creates a sign-in account and its staff profile together.</summary>
public static class StaffAccounts
{
    public static async Task<AppUser> CreateAsync(UserManager<AppUser> users, CrmDbContext db, string userName, string fullName,
        string? email, string password, int departmentId, int permissionGroupId, CancellationToken ct)
    {
        var user = new AppUser { UserName = userName, Email = email, EmailConfirmed = true, LockoutEnabled = true };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not create user '{userName}': " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        var profile = new StaffProfile(user.Id, userName, fullName, departmentId, permissionGroupId);
        profile.SetContact(email, null);
        db.StaffProfiles.Add(profile);
        await db.SaveChangesAsync(ct);
        return user;
    }
}
