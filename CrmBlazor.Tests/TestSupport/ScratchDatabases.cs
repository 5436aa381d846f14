using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>Throw-away databases for tests that race many writers: a migrated PostgreSQL database of its own (dropped after),
/// and a one-user organisation with one customer to race on.</summary>
public static class ScratchDatabases
{
    /// <summary>Runs <paramref name="test"/> on a fresh migrated PostgreSQL database (20 connections: the server is shared, and 50 writers still contend), then drops it.</summary>
    public static async Task OnPostgresAsync(Func<IDbContextFactory<CrmDbContext>, Task> test)
    {
        var database = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, MaxPoolSize = 20 }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        try
        {
            await using (var ctx = new PostgresCrmDbContext(options))
            {
                await ctx.Database.MigrateAsync();
            }

            await test(new PgFactory(options));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using (var ctx = new PostgresCrmDbContext(options))
            {
                // Retries the forced drop while an autovacuum worker (another role) holds the database (TestDatabaseDrop).
                await ctx.Database.DropAsync();
            }
        }
    }

    /// <summary>One department, one user with <paramref name="rights"/>, one relationship and one customer the user owns.</summary>
    public static async Task<(string UserId, int CustomerId)> OneUserOneCustomerAsync(IDbContextFactory<CrmDbContext> factory, Rights rights,
        string login, string fullName, string customerName, string phone)
    {
        await using var db = await factory.CreateDbContextAsync();
        var dept = new Department("Công ty");
        db.Departments.Add(dept);
        var group = new PermissionGroup("Nhóm", rights);
        db.PermissionGroups.Add(group);
        var relationship = new Relationship("Tiềm năng", "#43A047", null, 0, true);
        db.Relationships.Add(relationship);
        await db.SaveChangesAsync();
        dept.RefreshPath(null);
        var user = new AppUser { UserName = login, NormalizedUserName = login.ToUpperInvariant() };
        db.Users.Add(user);
        db.StaffProfiles.Add(new StaffProfile(user.Id, login, fullName, dept.Id, group.Id));
        await db.SaveChangesAsync();
        var customer = Customer.Create(new CustomerDetails { Name = customerName, Phone = phone }, relationship.Id, user.Id, user.Id, DateTime.UtcNow);
        db.Customers.Add(customer);
        await db.SaveChangesAsync();
        return (user.Id, customer.Id);
    }

    private sealed class PgFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
