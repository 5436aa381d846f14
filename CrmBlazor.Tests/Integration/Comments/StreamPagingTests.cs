using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Comments;
using CrmBlazor.Security;
using CrmBlazor.Tests.Integration.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrmBlazor.Tests.Integration.Comments;

/// <summary>
/// "Show older" in a customer's stream (R4.5): pages back through comments and log lines together by time, kind and id
/// (keyset), on SQLite and PostgreSQL; nothing is skipped or shown twice, also where many items share one instant.
/// </summary>
public sealed class StreamPagingTests
{
    [Fact]
    public async Task Paging_back_through_comments_and_logs_on_SQLite_shows_each_item_once_in_order()
    {
        await using var db = await TestDatabase.CreateAsync();
        await StreamPagingScenario.RunAsync(db.Factory);
    }

    [Fact]
    public async Task Paging_back_through_comments_and_logs_on_PostgreSQL_shows_each_item_once_in_order()
    {
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString)
        {
            Database = "crm_stream_" + Guid.NewGuid().ToString("N")[..12],
            Pooling = false,
        }.ConnectionString;
        var factory = new PgFactory(new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options);
        await using (var db = factory.CreateDbContext())
        {
            await db.Database.MigrateAsync();
        }

        try
        {
            await StreamPagingScenario.RunAsync(factory);
        }
        finally
        {
            await using var db = factory.CreateDbContext();
            await db.Database.DropAsync();
        }
    }

    private sealed class PgFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}

internal static class StreamPagingScenario
{
    public static async Task RunAsync(IDbContextFactory<CrmDbContext> factory)
    {
        var start = new DateTime(2026, 1, 5, 8, 0, 0, DateTimeKind.Utc);
        string userId;
        int customerId;
        await using (var db = factory.CreateDbContext())
        {
            var dept = new Department("Công ty");
            var group = new PermissionGroup("Kinh doanh", Rights.SalesDefault);
            db.AddRange(dept, group);
            await db.SaveChangesAsync();
            dept.RefreshPath(null);
            var user = new AppUser { UserName = "lan", NormalizedUserName = "LAN" };
            db.Users.Add(user);
            db.StaffProfiles.Add(new StaffProfile(user.Id, "lan", "Nguyễn Thị Lan", dept.Id, group.Id));
            var rel = new Relationship("Tiềm năng", null, null, 0, isDefault: true);
            db.Relationships.Add(rel);
            await db.SaveChangesAsync();
            var customer = Customer.Create(new CustomerDetails { Name = "Công ty An Phát", Phone = "0912000111" }, rel.Id, user.Id, user.Id, start);
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            (userId, customerId) = (user.Id, customer.Id);

            // 130 comments and 130 log lines, three of each per second: ties within a kind and across kinds. Every tenth
            // comment is deleted (never shown).
            for (var i = 0; i < 130; i++)
            {
                var at = start.AddSeconds(i / 3);
                var comment = new Comment(customerId, userId, $"Trao đổi số {i}", at);
                if (i % 10 == 0)
                {
                    comment.Delete(userId);
                }

                db.Comments.Add(comment);
                db.ChangeLog.Add(new ChangeLogEntry(customerId, userId, at, new FieldChange("Address", $"cũ {i}", $"mới {i}"), "grid"));
            }

            await db.SaveChangesAsync();
        }

        var me = (await CurrentUser.LoadAsync(factory, userId))!;
        var service = new CommentService(factory, new RecordingBus(), TimeProvider.System,
            new AttachmentStore(Path.Combine(Path.GetTempPath(), "crm-stream-paging"), 1024));

        foreach (var filter in new[] { StreamFilter.All, StreamFilter.Comments, StreamFilter.Logs })
        {
            var expected = await ExpectedAsync(factory, customerId, filter);
            Assert.Equal(filter switch { StreamFilter.All => 247, StreamFilter.Comments => 117, _ => 130 }, expected.Count);

            var shown = new List<StreamCursor>();
            StreamCursor? before = null;
            var pages = 0;
            while (true)
            {
                var page = await service.GetStreamPageAsync(me, customerId, filter, before, pageSize: 17);
                pages++;
                shown.AddRange(page.Items.Select(i => i.Cursor));
                Assert.Equal(page.HasMore ? 17 : expected.Count - ((pages - 1) * 17), page.Items.Count);
                if (!page.HasMore)
                {
                    break;
                }

                before = page.Items[^1].Cursor;
            }

            Assert.Equal((expected.Count + 16) / 17, pages);
            Assert.Equal(expected, shown);

            // A live refresh after paging back: everything from the oldest item shown, nothing older.
            var oldest = expected[40];
            var since = await service.GetStreamSinceAsync(me, customerId, filter, oldest);
            Assert.Equal(expected.Take(41), since.Select(i => i.Cursor));
        }

        // The newest page by default is the stream's first page.
        var first = await service.GetStreamAsync(me, customerId, StreamFilter.All);
        Assert.Equal(CommentService.StreamPageSize, first.Count);
        Assert.Equal((await ExpectedAsync(factory, customerId, StreamFilter.All)).Take(CommentService.StreamPageSize), first.Select(i => i.Cursor));
    }

    /// <summary>The stream's order computed in memory from the raw rows: time, comments before logs, id — descending.</summary>
    private static async Task<List<StreamCursor>> ExpectedAsync(IDbContextFactory<CrmDbContext> factory, int customerId, StreamFilter filter)
    {
        await using var db = factory.CreateDbContext();
        var comments = filter == StreamFilter.Logs ? []
            : await db.Comments.Where(c => c.CustomerId == customerId && !c.IsDeleted).Select(c => new StreamCursor(c.CreatedAt, true, c.Id)).ToListAsync();
        var logs = filter == StreamFilter.Comments ? []
            : await db.ChangeLog.Where(l => l.CustomerId == customerId).Select(l => new StreamCursor(l.At, false, l.Id)).ToListAsync();
        return comments.Concat(logs).OrderByDescending(c => c.At).ThenByDescending(c => c.IsComment).ThenByDescending(c => c.Id).ToList();
    }
}
