using System.Diagnostics;
using CrmBlazor.Data;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.CustomerDetail;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Suite "viewer-cost": what one screen watching a customer spends on one live change, call by call, on the circuits
/// bench's demo database (the grid's row re-read, the board's card and column counts, the detail's header and new log
/// lines). Prints the median time of each over many calls on one thread; nothing is asserted.
/// </summary>
internal static class ViewerCostBench
{
    public static async Task RunAsync(string dbPath, int runs)
    {
        IDbContextFactory<CrmDbContext> factory = new SqliteFactory(dbPath);
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        var customers = new CustomerService(factory, TimeProvider.System, bus);
        var board = new BoardService(factory, customers, TimeProvider.System, new RelationshipService(factory, bus, TimeProvider.System));
        var details = new CustomerDetailService(factory);
        var comments = new CommentService(factory, bus, TimeProvider.System, new AttachmentStore(Path.GetTempPath(), 1024));
        await using var db = await factory.CreateDbContextAsync();
        var adminId = await db.StaffProfiles.Where(p => p.UserName == "admin").Select(p => p.Id).SingleAsync();
        var admin = (await CurrentUser.LoadAsync(factory, adminId))!;
        var id = await db.Customers.OrderBy(c => c.NameKey).Select(c => c.Id).FirstAsync();
        var filter = new BoardFilter();
        var list = new CustomerListQuery();
        var cases = new (string Name, Func<Task> Action)[]
        {
            ("user (rights, scope)", () => CurrentUser.LoadAsync(factory, adminId)),
            ("grid: one row through the list's filters", () => customers.RowsInListAsync(admin, list, [id])),
            ("grid: one row (RowAsync)", () => customers.RowAsync(admin, id)),
            ("board: one card", () => board.FindCardsAsync(admin, filter, [id])),
            ("board: all column counts", () => board.CountAsync(admin, filter, null)),
            ("detail: header", () => details.GetAsync(admin, id)),
            ("detail: log lines since", () => comments.GetLogsSinceAsync(admin, id, long.MaxValue - 1)),
            ("detail: whole stream", () => comments.GetStreamAsync(admin, id, StreamFilter.All)),
        };
        Console.WriteLine($"{"viewer-cost (one thread)",-46} {"median ms",10} {"p95 ms",10} {"KB/call",8}");
        foreach (var (name, action) in cases)
        {
            for (var i = 0; i < 20; i++)
            {
                await action();
            }

            var times = new List<double>(runs);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < runs; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await action();
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            // Allocation per call: what the garbage collector pays for, steady whatever the machine's speed that day.
            var kb = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / runs;
            var s = Stats.Of(times);
            Console.WriteLine($"{name,-46} {s.Median,10:N2} {s.P95,10:N2} {kb,8:N1}");
        }
    }
}
