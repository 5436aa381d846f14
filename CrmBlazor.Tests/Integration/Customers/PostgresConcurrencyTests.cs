using CrmBlazor.Tests.TestSupport;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Optimistic concurrency on a real PostgreSQL server: 1,000 two-writer races on one cell, exactly one winner each time,
/// the other told with the winner's value. Without a server this fails (it never skips).
/// </summary>
public sealed class PostgresConcurrencyTests
{
    [Fact]
    public async Task One_thousand_two_writer_races_on_PostgreSQL_have_exactly_one_winner_each()
    {
        var database = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, MaxPoolSize = 20 }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        var factory = new Factory(options);
        try
        {
            string adminId, lanId;
            int customerId;
            await using (var db = new PostgresCrmDbContext(options))
            {
                await db.Database.MigrateAsync();
                var dept = new Department("Công ty");
                db.Departments.Add(dept);
                var all = new PermissionGroup("Quản trị", Rights.All);
                var sales = new PermissionGroup("Kinh doanh", Rights.SalesDefault);
                db.PermissionGroups.AddRange(all, sales);
                var relationship = new Relationship("Tiềm năng", "#43A047", null, 0, true);
                db.Relationships.Add(relationship);
                await db.SaveChangesAsync();
                dept.RefreshPath(null);
                var admin = new AppUser { UserName = "boss", NormalizedUserName = "BOSS" };
                var lan = new AppUser { UserName = "lan", NormalizedUserName = "LAN" };
                db.Users.AddRange(admin, lan);
                db.StaffProfiles.Add(new StaffProfile(admin.Id, "boss", "Trần Quản Trị", dept.Id, all.Id));
                db.StaffProfiles.Add(new StaffProfile(lan.Id, "lan", "Nguyễn Thị Lan", dept.Id, sales.Id));
                await db.SaveChangesAsync();
                var customer = Customer.Create(new CustomerDetails { Name = "Đặng Văn Đức", Phone = "0912345678" }, relationship.Id, lan.Id, lan.Id, DateTime.UtcNow);
                db.Customers.Add(customer);
                await db.SaveChangesAsync();
                customer.AssignGeneratedCode();
                await db.SaveChangesAsync();
                (adminId, lanId, customerId) = (admin.Id, lan.Id, customer.Id);
            }

            var service = new CustomerService(factory, TimeProvider.System);
            var a = (await CurrentUser.LoadAsync(factory, lanId))!;
            var b = (await CurrentUser.LoadAsync(factory, adminId))!;
            await ConcurrencyRaces.RunAsync(service, a, b, customerId, 1000);

            // Exactly one save per race reached the database: 1,000 versions and 1,000 logged address changes.
            await using var check = new PostgresCrmDbContext(options);
            Assert.Equal(1001, (await check.Customers.SingleAsync(c => c.Id == customerId)).Version);
            Assert.Equal(1000, await check.ChangeLog.CountAsync(l => l.CustomerId == customerId && l.Field == "Address"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var db = new PostgresCrmDbContext(options);
            await db.Database.DropAsync();
        }
    }

    private sealed class Factory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
