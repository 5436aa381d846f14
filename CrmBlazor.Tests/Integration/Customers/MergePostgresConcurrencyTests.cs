using CrmBlazor.Tests.TestSupport;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Two merges touching one customer at the same moment on a real PostgreSQL server (#22, R6.4): B into A and C into B,
/// each carrying the versions its user saw; every round exactly one wins and the other is refused with a reason, and no
/// row is lost. Without a server this fails (it never skips).
/// </summary>
public sealed class MergePostgresConcurrencyTests
{
    [Fact]
    public async Task Two_merges_touching_one_customer_at_once_have_exactly_one_winner_on_PostgreSQL()
    {
        var database = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, MaxPoolSize = 20 }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        var factory = new Factory(options);
        try
        {
            string lanId;
            int a, b, c;
            await using (var db = new PostgresCrmDbContext(options))
            {
                await db.Database.MigrateAsync();
                var dept = new Department("Công ty");
                db.Departments.Add(dept);
                var sales = new PermissionGroup("Kinh doanh", Rights.SalesDefault);
                db.PermissionGroups.Add(sales);
                var relationship = new Relationship("Tiềm năng", "#43A047", null, 0, true);
                db.Relationships.Add(relationship);
                await db.SaveChangesAsync();
                dept.RefreshPath(null);
                var lan = new AppUser { UserName = "lan", NormalizedUserName = "LAN" };
                db.Users.Add(lan);
                db.StaffProfiles.Add(new StaffProfile(lan.Id, "lan", "Nguyễn Thị Lan", dept.Id, sales.Id));
                await db.SaveChangesAsync();
                var customers = new[] { "Đặng Văn Đức", "Dang Van Duc", "Đức Đặng" }
                    .Select(n => Customer.Create(new CustomerDetails { Name = n, Phone = "0912345678" }, relationship.Id, lan.Id, lan.Id, DateTime.UtcNow)).ToList();
                db.Customers.AddRange(customers);
                await db.SaveChangesAsync();
                foreach (var x in customers)
                {
                    x.AssignGeneratedCode();
                    x.AddContact(new Contact("Liên hệ của " + x.Name, phone: "0987000111"));
                }

                await db.SaveChangesAsync();
                // A paid order each: the merge moves it and its value (R4.4) in SQL, and the unmerge moves them back.
                db.Orders.AddRange(customers.Select(x => Order.Create(x.Id, new DateOnly(2026, 12, 1), null, 1_000_000m, OrderStatus.Paid, 0m, null, lan.Id, DateTime.UtcNow)));
                await db.SaveChangesAsync();
                await db.Customers.ExecuteUpdateAsync(u => u.SetProperty(x => x.TotalPaid, 1_000_000m));
                (lanId, a, b, c) = (lan.Id, customers[0].Id, customers[1].Id, customers[2].Id);
            }

            var service = new CustomerService(factory, TimeProvider.System);
            var user = (await CurrentUser.LoadAsync(factory, lanId))!;
            for (var round = 0; round < 20; round++)
            {
                int va, vb, vc;
                await using (var db = new PostgresCrmDbContext(options))
                {
                    var versions = await db.Customers.ToDictionaryAsync(x => x.Id, x => x.Version);
                    (va, vb, vc) = (versions[a], versions[b], versions[c]);
                }

                var results = await Task.WhenAll(
                    Task.Run(() => service.MergeAsync(user, new MergeRequest(a, b, SurvivorVersion: va, MergedVersion: vb))),
                    Task.Run(() => service.MergeAsync(user, new MergeRequest(b, c, SurvivorVersion: vb, MergedVersion: vc))));
                var won = Assert.Single(results, r => r.Status == MergeStatus.Done);
                var refused = Assert.Single(results, r => r.Status != MergeStatus.Done);
                Assert.Equal(MergeStatus.Conflict, refused.Status);
                Assert.False(string.IsNullOrWhiteSpace(refused.Reason));
                await using (var db = new PostgresCrmDbContext(options))
                {
                    Assert.Equal(1, await db.CustomerMerges.CountAsync(r => r.UndoneAt == null));
                    Assert.Equal(3, await db.Contacts.CountAsync());
                    // The winner holds both orders and both values; the hidden customer none.
                    var winner = await db.CustomerMerges.Where(r => r.UndoneAt == null).Select(r => r.SurvivorId).SingleAsync();
                    Assert.Equal(2, await db.Orders.CountAsync(o => o.CustomerId == winner));
                    Assert.Equal(2_000_000m, await db.Customers.Where(x => x.Id == winner).Select(x => x.TotalPaid).SingleAsync());
                    Assert.Equal(3_000_000m, await db.Customers.Where(x => !x.IsDeleted).SumAsync(x => x.TotalPaid));
                }

                Assert.Equal(UnmergeStatus.Done, (await service.UnmergeAsync(user, won.MergeId!.Value)).Status);
            }

            await using var check = new PostgresCrmDbContext(options);
            Assert.Equal(3, await check.Customers.CountAsync(x => !x.IsDeleted));
            Assert.Equal([1, 1, 1], await check.Contacts.GroupBy(x => x.CustomerId).Select(g => g.Count()).ToListAsync());
            Assert.Equal([1, 1, 1], await check.Orders.GroupBy(x => x.CustomerId).Select(g => g.Count()).ToListAsync());
            Assert.All(await check.Customers.Select(x => x.TotalPaid).ToListAsync(), v => Assert.Equal(1_000_000m, v));
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
