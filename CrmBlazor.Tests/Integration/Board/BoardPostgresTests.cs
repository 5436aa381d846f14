using CrmBlazor.Tests.TestSupport;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CrmBlazor.Tests.Integration.Board;

/// <summary>The board's queries (keyset paging, GROUP BY counts, concurrency check, reorder) on a real PostgreSQL server.</summary>
public sealed class BoardPostgresTests : IAsyncLifetime
{
    private readonly string _cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString)
    {
        Database = "crm_board_" + Guid.NewGuid().ToString("N")[..12],
        Pooling = false,
    }.ConnectionString;

    private PgFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = new PgFactory(new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(_cs).Options);
        await using var db = _factory.CreateDbContext();
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await using var db = _factory.CreateDbContext();
        await db.Database.DropAsync();
    }

    [Fact]
    public async Task Pages_counts_moves_and_reorders_on_PostgreSQL()
    {
        string userId;
        int[] stages;
        await using (var db = _factory.CreateDbContext())
        {
            var dept = new Department("Công ty");
            var group = new PermissionGroup("Quản lý", Rights.All);
            db.AddRange(dept, group);
            await db.SaveChangesAsync();
            dept.RefreshPath(null);
            var user = new AppUser { UserName = "bao", NormalizedUserName = "BAO" };
            db.Users.Add(user);
            db.StaffProfiles.Add(new StaffProfile(user.Id, "bao", "Trần Quốc Bảo", dept.Id, group.Id));
            var rels = new[] { new Relationship("Tiềm năng", null, null, 0, isDefault: true), new Relationship("Đã liên hệ", null, null, 1), new Relationship("Đã báo giá", null, null, 2) };
            db.Relationships.AddRange(rels);
            await db.SaveChangesAsync();
            for (var i = 0; i < 75; i++)
            {
                db.Customers.Add(Customer.Create(new CustomerDetails { Name = $"Nguyễn Văn {i:D2}", Phone = $"09{i:D8}" }, rels[0].Id, user.Id, user.Id, DateTime.UtcNow));
            }

            await db.SaveChangesAsync();
            userId = user.Id;
            stages = rels.Select(r => r.Id).ToArray();
        }

        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        var relationships = new RelationshipService(_factory, bus, TimeProvider.System);
        var board = new BoardService(_factory, new CustomerService(_factory, TimeProvider.System, bus), TimeProvider.System, relationships);
        var me = (await CurrentUser.LoadAsync(_factory, userId))!;

        var snapshot = await board.LoadAsync(me, new BoardFilter());
        Assert.Equal([75, 0, 0], snapshot.Columns.Select(c => c.Count));
        var first = snapshot.Cards[stages[0]];
        // Keyset pages until the column is complete: every card once.
        var all = first.ToList();
        while (true)
        {
            var next = await board.LoadMoreAsync(me, new BoardFilter(), stages[0], all[^1]);
            all.AddRange(next);
            if (next.Count < BoardService.PageSize)
            {
                break;
            }
        }

        Assert.Equal(75, all.Count);
        Assert.Equal(75, all.Select(c => c.Id).Distinct().Count());

        var card = first[0];
        var moved = (await board.MoveCardAsync(me, card.Id, stages[2], card.Version)).Card!;
        Assert.Equal(SaveStatus.Conflict, (await board.MoveCardAsync(me, card.Id, stages[1], card.Version)).Status);
        Assert.Equal([74, 0, 1], (await board.LoadAsync(me, new BoardFilter())).Columns.Select(c => c.Count));
        Assert.Equal(moved.Id, (await board.LoadAsync(me, new BoardFilter { Search = "nguyen van 00" })).Cards[stages[2]].Single().Id);

        await board.MoveColumnAsync(me, stages[2], 0);
        Assert.Equal([stages[2], stages[0], stages[1]], (await board.LoadAsync(me, new BoardFilter())).Columns.Select(c => c.Id));
    }

    private sealed class PgFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
