using CrmBlazor.Tests.TestSupport;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Catalog;
using CrmBlazor.Security;
using CrmBlazor.Tests.Integration.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace CrmBlazor.Tests.Integration.Catalog;

/// <summary>
/// The GroupPositions migration keeps the name order existing groups were listed in (SQLite and PostgreSQL), and the
/// catalogue's counts (GROUP BY with the trash) and a merge of groups run on a real PostgreSQL server.
/// </summary>
public sealed class CatalogDatabaseTests
{
    private static readonly string[] GroupNames = ["VIP", "Đại lý", "doanh nghiệp", "An Phát", "Khách lẻ"];

    [Fact]
    public async Task Groups_created_before_the_migration_keep_their_name_order_on_SQLite()
    {
        var file = Path.Combine(Path.GetTempPath(), $"crm-groups-{Guid.NewGuid():N}.db");
        try
        {
            var options = new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite($"Data Source={file};Pooling=False").Options;
            await using var db = new SqliteCrmDbContext(options);
            await AssertMigrationKeepsNameOrderAsync(db);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Groups_created_before_the_migration_keep_their_name_order_on_PostgreSQL()
    {
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(NewDatabase()).Options;
        await using var db = new PostgresCrmDbContext(options);
        try
        {
            await AssertMigrationKeepsNameOrderAsync(db);
        }
        finally
        {
            await db.Database.DropAsync();
        }
    }

    [Fact]
    public async Task Counts_and_a_merge_of_groups_on_PostgreSQL()
    {
        var factory = new PgFactory(new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(NewDatabase()).Options);
        await using (var db = factory.CreateDbContext())
        {
            await db.Database.MigrateAsync();
        }

        try
        {
            string userId;
            int vip, dealers;
            int[] customers;
            await using (var db = factory.CreateDbContext())
            {
                var dept = new Department("Công ty");
                var rights = new PermissionGroup("Quản lý", Rights.All);
                db.AddRange(dept, rights);
                await db.SaveChangesAsync();
                dept.RefreshPath(null);
                var user = new AppUser { UserName = "bao", NormalizedUserName = "BAO" };
                db.Users.Add(user);
                db.StaffProfiles.Add(new StaffProfile(user.Id, "bao", "Trần Quốc Bảo", dept.Id, rights.Id));
                var stage = new Relationship("Tiềm năng", null, null, 0, isDefault: true);
                var groups = new[] { new CustomerGroup("VIP", 0), new CustomerGroup("Đại lý", 1) };
                db.Relationships.Add(stage);
                db.CustomerGroups.AddRange(groups);
                await db.SaveChangesAsync();
                var list = Enumerable.Range(0, 30)
                    .Select(i => Customer.Create(new CustomerDetails { Name = $"Khách {i:D2}", Phone = $"091{i:D7}" }, stage.Id, user.Id, user.Id, DateTime.UtcNow))
                    .ToList();
                db.Customers.AddRange(list);
                await db.SaveChangesAsync();
                // 0-19 in VIP, 10-29 in Đại lý (10-19 in both); 0 and 15 in the trash.
                for (var i = 0; i < list.Count; i++)
                {
                    var ids = new List<int>();
                    if (i < 20)
                    {
                        ids.Add(groups[0].Id);
                    }

                    if (i >= 10)
                    {
                        ids.Add(groups[1].Id);
                    }

                    list[i].SetGroups(ids);
                }

                list[0].MoveToTrash(user.Id, DateTime.UtcNow);
                list[15].MoveToTrash(user.Id, DateTime.UtcNow);
                await db.SaveChangesAsync();
                (userId, vip, dealers, customers) = (user.Id, groups[0].Id, groups[1].Id, list.Select(c => c.Id).ToArray());
            }

            var catalog = new CatalogService(factory, new RecordingBus(), TimeProvider.System);
            var me = (await CurrentUser.LoadAsync(factory, userId))!;
            Assert.Equal([("VIP", 20, 2), ("Đại lý", 20, 1)], (await catalog.ListAsync(me, CatalogKind.Groups)).Select(r => (r.Name, r.Customers, r.InTrash)));

            Assert.Equal(20, await catalog.MergeAsync(me, CatalogKind.Groups, vip, dealers));

            Assert.Equal([("Đại lý", 30, 2)], (await catalog.ListAsync(me, CatalogKind.Groups)).Select(r => (r.Name, r.Customers, r.InTrash)));
            await using var check = factory.CreateDbContext();
            Assert.Equal(30, await check.CustomerGroupMembers.CountAsync());
            Assert.Equal(customers.Order(), (await check.CustomerGroupMembers.Where(m => m.GroupId == dealers).Select(m => m.CustomerId).ToListAsync()).Order());
            Assert.Equal(20, await check.ChangeLog.CountAsync(l => l.Field == "Groups" && l.Origin == CatalogService.OriginMerge));
        }
        finally
        {
            await using var db = factory.CreateDbContext();
            await db.Database.DropAsync();
        }
    }

    private static string NewDatabase() =>
        new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString)
        {
            Database = "crm_catalog_" + Guid.NewGuid().ToString("N")[..12],
            Pooling = false,
        }.ConnectionString;

    /// <summary>Migrates to the step before GroupPositions, adds groups, migrates to the end: positions follow the names
    /// in the order the database sorted them before (its own collation).</summary>
    private static async Task AssertMigrationKeepsNameOrderAsync(CrmDbContext db)
    {
        var migrations = db.Database.GetMigrations().ToList();
        var index = migrations.FindIndex(m => m.EndsWith("_GroupPositions", StringComparison.Ordinal));
        Assert.True(index > 0, "The GroupPositions migration is missing.");
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(migrations[index - 1]);
        foreach (var name in GroupNames)
        {
            await db.Database.ExecuteSqlRawAsync("INSERT INTO \"CustomerGroups\" (\"Name\", \"IsDeleted\") VALUES ({0}, {1})", name, false);
        }

        var byName = await db.Database.SqlQueryRaw<string>("SELECT \"Name\" AS \"Value\" FROM \"CustomerGroups\" ORDER BY \"Name\"").ToListAsync();

        await migrator.MigrateAsync();

        var byPosition = await db.CustomerGroups.AsNoTracking().OrderBy(g => g.Position).Select(g => new { g.Name, g.Position }).ToListAsync();
        Assert.Equal(byName, byPosition.Select(g => g.Name));
        Assert.Equal(Enumerable.Range(0, GroupNames.Length), byPosition.Select(g => g.Position));
    }

    private sealed class PgFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
