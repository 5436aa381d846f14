using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.EndToEnd.Customers;

/// <summary>Accounts and customers created in the real app's database (real Identity) for HTTP and browser tests.</summary>
public static class CustomerGridAppData
{
    public const string Password = "Sales@Pass123";

    public static async Task<string> AddUserAsync(CrmAppFactory app, string login, string fullName, Rights rights)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await app.DbFactory.CreateDbContextAsync();
        var root = await db.Departments.OrderBy(d => d.Id).FirstAsync();
        var group = new PermissionGroup("Nhóm " + login, rights);
        db.PermissionGroups.Add(group);
        await db.SaveChangesAsync();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await StaffAccounts.CreateAsync(users, db, login, fullName, null, Password, root.Id, group.Id, default);
        return user.Id;
    }

    public static async Task<int> AddCustomerAsync(CrmAppFactory app, string name, string phone, string ownerId)
    {
        await using var db = await app.DbFactory.CreateDbContextAsync();
        var relationship = await db.Relationships.OrderBy(r => r.Position).Select(r => r.Id).FirstAsync();
        var c = Customer.Create(new CustomerDetails { Name = name, Phone = phone }, relationship, ownerId, ownerId, DateTime.UtcNow);
        db.Customers.Add(c);
        await db.SaveChangesAsync();
        c.AssignGeneratedCode();
        await db.SaveChangesAsync();
        return c.Id;
    }
}
