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
    public Task Fifty_comments_at_once_add_fifty_interactions_on_PostgreSQL() => ScratchDatabases.OnPostgresAsync(PostAtOnceAndCountAsync);

    private static async Task PostAtOnceAndCountAsync(IDbContextFactory<CrmDbContext> factory)
    {
        var (userId, customerId) = await ScratchDatabases.OneUserOneCustomerAsync(factory, Rights.All, "lan", "Nguyễn Thị Lan",
            "Công ty An Phát", "0912000111");

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
}
