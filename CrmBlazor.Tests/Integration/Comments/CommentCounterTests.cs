using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Comments;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CrmBlazor.Tests.Integration.Comments;

/// <summary>
/// Issue 18, item 6 (R4.2, R4.3): fifty comments posted at the same moment on one customer add exactly fifty
/// interactions — the counter changes in SQL, not by reading the customer and writing it back (which lost most of them) —
/// on SQLite and on a real PostgreSQL server.
/// </summary>
public sealed class CommentCounterTests
{
    private const int Comments = 50;

    [Fact]
    public async Task Fifty_comments_at_once_add_fifty_interactions_on_SQLite()
    {
        await using var db = await TestDatabase.CreateAsync();
        await PostAtOnceAndCountAsync(db.Factory);
    }

    [Fact]
    public async Task Fifty_comments_at_once_add_fifty_interactions_on_PostgreSQL()
    {
        var database = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, MaxPoolSize = 60 }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        try
        {
            await using (var ctx = new PostgresCrmDbContext(options))
            {
                await ctx.Database.MigrateAsync();
            }

            await PostAtOnceAndCountAsync(new PgFactory(options));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = "postgres" }.ConnectionString);
            await conn.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", conn);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task PostAtOnceAndCountAsync(IDbContextFactory<CrmDbContext> factory)
    {
        string userId;
        int customerId;
        await using (var db = await factory.CreateDbContextAsync())
        {
            var dept = new Department("Công ty");
            db.Departments.Add(dept);
            var group = new PermissionGroup("Quản lý", Rights.All);
            db.PermissionGroups.Add(group);
            var relationship = new Relationship("Tiềm năng", "#43A047", null, 0, true);
            db.Relationships.Add(relationship);
            await db.SaveChangesAsync();
            dept.RefreshPath(null);
            var user = new AppUser { UserName = "lan", NormalizedUserName = "LAN" };
            db.Users.Add(user);
            db.StaffProfiles.Add(new StaffProfile(user.Id, "lan", "Nguyễn Thị Lan", dept.Id, group.Id));
            await db.SaveChangesAsync();
            var customer = Customer.Create(new CustomerDetails { Name = "Công ty An Phát", Phone = "0912000111" }, relationship.Id, user.Id, user.Id, DateTime.UtcNow);
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            (userId, customerId) = (user.Id, customer.Id);
        }

        var service = new CommentService(factory, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), TimeProvider.System,
            new AttachmentStore(Path.Combine(Path.GetTempPath(), "crm-counter-" + Guid.NewGuid().ToString("N")), 1024));
        var me = (await CurrentUser.LoadAsync(factory, userId))!;
        using var start = new ManualResetEventSlim();
        var posts = Enumerable.Range(1, Comments).Select(i => Task.Run(async () =>
        {
            start.Wait();
            await service.PostAsync(me, customerId, $"Gọi lần {i}");
        })).ToList();
        start.Set();
        await Task.WhenAll(posts);

        await using var check = await factory.CreateDbContextAsync();
        Assert.Equal(Comments, await check.Comments.CountAsync(c => c.CustomerId == customerId));
        var counted = await check.Customers.Where(c => c.Id == customerId).Select(c => new { c.InteractionCount, c.LastContactAt }).SingleAsync();
        Assert.Equal(Comments, counted.InteractionCount);
        Assert.NotNull(counted.LastContactAt);
    }

    private sealed class PgFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
