using System.Diagnostics;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Suite "floors" (#25): each product figure of the grid and the board beside its floor, measured in the same run on the
/// same file: the statements a hand-tuned reader needs for the same answer (same rows, same order, same scope), run on a
/// bare SqliteCommand (same driver and pragmas, no EF Core, every row read) and timed with a stopwatch: the sqlite3
/// shell's timer counts whole milliseconds, and these floors take less than one. The ratio of the p95s says where the
/// distance is. The floors answer exactly what the product answers: a scope floor merges the same three parts (owned,
/// created and unassigned, related), each limited to a page and each through its best index, as the fastest plan would.
/// </summary>
internal static class FloorsBench
{
    private const int Page = 25;
    private const int WarmUp = 100;

    public static async Task RunAsync(IDbContextFactory<CrmDbContext> factory, string dbPath, BenchData.Result data, UserAccess admin, int runs,
        Func<int, Func<Task<object>>, Task<Stats>> measure)
    {
        var service = new CustomerService(factory, TimeProvider.System);
        var board = BoardBench.Service(factory);
        // Department managers of the bench: user0001 sees a third of the company (sub-department); the same person with
        // a salesperson's rights sees only their own customers.
        var manager = await CurrentUser.LoadAsync(factory, data.UserIds[1]) ?? throw new InvalidOperationException("No bench manager.");
        var own = manager with { Rights = Rights.SalesDefault };
        int[] stages;
        await using (var db = await factory.CreateDbContextAsync())
        {
            stages = await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => r.Id).ToArrayAsync();
        }

        var me = Quote(manager.UserId);
        var team = $"SELECT p.Id FROM StaffProfiles p JOIN Departments d ON d.Id = p.DepartmentId WHERE d.Path LIKE {Quote(manager.DepartmentPath + "%")}";
        string Parts(string owners) => $"""
            SELECT Id, NameKey FROM (
              SELECT * FROM (SELECT Id, NameKey FROM Customers WHERE NOT IsDeleted AND {owners} ORDER BY NameKey, Id LIMIT {Page})
              UNION SELECT * FROM (SELECT Id, NameKey FROM Customers INDEXED BY IX_Customers_OwnerId_CreatedById
                                   WHERE NOT IsDeleted AND OwnerId IS NULL AND CreatedById = {me} ORDER BY NameKey, Id LIMIT {Page})
              UNION SELECT * FROM (SELECT c.Id, c.NameKey FROM CustomerRelatedUsers r JOIN Customers c ON c.Id = r.CustomerId
                                   WHERE r.UserId = {me} AND NOT c.IsDeleted ORDER BY c.NameKey, c.Id LIMIT {Page}))
            ORDER BY NameKey, Id LIMIT {Page}
            """;
        const string search = "nguyen";
        var leading = $"SELECT Id, NameKey FROM Customers WHERE NOT IsDeleted AND NameKey >= '{search}' AND NameKey < '{search}' || char(1114111) ORDER BY NameKey, Id LIMIT {Page}";
        var inside = $"""
            SELECT c.Id, c.NameKey FROM CustomerSearchTailFts f JOIN Customers c ON c.Id = f.rowid
            WHERE f.CustomerSearchTailFts MATCH '"{search}"' AND NOT c.IsDeleted AND substr(c.SearchText, 1, {search.Length}) <> '{search}'
            ORDER BY c.NameKey, c.Id LIMIT {Page}
            """;

        var cases = new List<(string Name, Func<Task<object>> Product, string[] Floor)>
        {
            ("grid: first page by name (all)", async () => await service.PageRowsAsync(admin, new CustomerListQuery { PageSize = Page }),
                [Rows($"SELECT Id, NameKey FROM Customers WHERE NOT IsDeleted ORDER BY NameKey, Id LIMIT {Page}")]),
            ("grid: page 1,000 by name (all)", async () => await service.PageRowsAsync(admin, new CustomerListQuery { Page = 999, PageSize = Page }),
                [Rows($"SELECT Id, NameKey FROM Customers WHERE NOT IsDeleted ORDER BY NameKey, Id LIMIT {Page} OFFSET {999 * Page}")]),
            // Sorted by code: the index diet (#25) reads the code order from the unique index on Code.
            ("grid: first page by code (all)", async () => await service.PageRowsAsync(admin, new CustomerListQuery { PageSize = Page, Sort = CustomerSort.Code }),
                [CodeRows($"SELECT Id, Code FROM Customers WHERE NOT IsDeleted ORDER BY Code, Id LIMIT {Page}")]),
            ("grid: page 1,000 by code (all)", async () => await service.PageRowsAsync(admin, new CustomerListQuery { Page = 999, PageSize = Page, Sort = CustomerSort.Code }),
                [CodeRows($"SELECT Id, Code FROM Customers WHERE NOT IsDeleted ORDER BY Code, Id LIMIT {Page} OFFSET {999 * Page}")]),
            ("grid: first page by name (sub-department)", async () => await service.PageRowsAsync(manager, new CustomerListQuery { PageSize = Page }),
                [Rows(Parts($"OwnerId IN ({team})"))]),
            ("grid: first page by name (own)", async () => await service.PageRowsAsync(own, new CustomerListQuery { PageSize = Page }),
                [Rows(Parts($"OwnerId = {me}"))]),
            ("grid: total (all)", async () => await service.CountAsync(admin, new CustomerListQuery()),
                ["SELECT COUNT(*) FROM Customers WHERE NOT IsDeleted;"]),
            ("grid: total (sub-department)", async () => await service.CountAsync(manager, new CustomerListQuery()),
                [$"""
                 SELECT (SELECT COUNT(*) FROM Customers WHERE NOT IsDeleted AND OwnerId IN ({team}))
                   + (SELECT COUNT(*) FROM Customers INDEXED BY IX_Customers_OwnerId_CreatedById WHERE NOT IsDeleted AND OwnerId IS NULL AND CreatedById = {me})
                   + (SELECT COUNT(*) FROM CustomerRelatedUsers r JOIN Customers c ON c.Id = r.CustomerId
                      WHERE r.UserId = {me} AND NOT c.IsDeleted AND NOT (c.OwnerId IN ({team})) AND NOT (c.OwnerId IS NULL AND c.CreatedById = {me}));
                 """]),
            ($"quick search '{search}' first page (all)", async () => await service.PageRowsAsync(admin, new CustomerListQuery { Search = search, PageSize = Page }),
                [Rows($"SELECT * FROM (SELECT * FROM ({leading}) UNION ALL SELECT * FROM ({inside})) ORDER BY NameKey, Id LIMIT {Page}")]),
            // The board shows its cards first and its counts when they are ready (BoardService.LoadCardsAsync): two figures.
            ("board open: 10 cards x columns (all)", async () => await board.LoadCardsAsync(admin, new BoardFilter()),
                [
                    .. stages.Select(s => $"""
                        SELECT c.Id, c.Name, c.Phone, c.AvatarUrl, c.RelationshipId, p.FullName, c.LastContactAt, c.CreatedAt, c.Version
                        FROM Customers c LEFT JOIN StaffProfiles p ON p.Id = c.OwnerId
                        WHERE NOT c.IsDeleted AND c.RelationshipId = {s} ORDER BY c.NameKey, c.Id LIMIT {BoardService.PageSize};
                        """),
                ]),
            ("board counts: every column (all)", async () => await board.CountAsync(admin, new BoardFilter(), null),
                ["SELECT RelationshipId, COUNT(*) FROM Customers WHERE NOT IsDeleted GROUP BY RelationshipId;"]),
        };

        Console.WriteLine($"floors: product beside the same answer's tuned statements on a bare SqliteCommand, same file, {runs} runs each");
        // Two floors: statements prepared once and run again (the tightest reader), and prepared at every run, as the
        // sqlite3 shell's timer counts them (the issue's own yardstick; EF Core prepares every command it runs).
        Console.WriteLine($"{"figure",-48} {"p50 ms",8} {"p95 ms",8} {"floor p50",10} {"floor p95",10} {"p95 ratio",10} {"prep. p95",10} {"ratio",7}");
        foreach (var (name, product, floor) in cases)
        {
            // Warmed up alike to a steady state: the product's code is larger and runs unoptimised (tier 0) for its first
            // calls, as a long-running server's does only in its first seconds.
            for (var i = 0; i < WarmUp; i++)
            {
                await product();
            }

            var p = await measure(runs, product);
            var f = Stats.Of(FloorRuns(dbPath, floor, runs));
            var prepared = Stats.Of(FloorRuns(dbPath, floor, runs, prepareEachRun: true));
            Console.WriteLine($"{name,-48} {p.Median,8:N1} {p.P95,8:N1} {f.Median,10:N1} {f.P95,10:N1} {p.P95 / Math.Max(f.P95, 0.1),9:N1}× {prepared.P95,10:N1} {p.P95 / Math.Max(prepared.P95, 0.1),6:N1}×");
        }
    }

    /// <summary>A page's rows the way the grid shows them (names of stage, source and owner), for the ids
    /// <paramref name="pageIds"/> selects (Id, NameKey), in the page's order.</summary>
    private static string Rows(string pageIds) => $"""
        SELECT c.Id, c.Code, c.Name, c.Phone, c.Email, c.Address, c.Birthday, c.Gender, c.RelationshipId, r.Name, r.Color,
               c.SourceId, s.Name, c.OwnerId, p.FullName, c.CreatedAt, c.LastContactAt, c.TotalPaid, c.Version, c.AvatarUrl
        FROM ({pageIds}) page JOIN Customers c ON c.Id = page.Id JOIN Relationships r ON r.Id = c.RelationshipId
        LEFT JOIN Sources s ON s.Id = c.SourceId LEFT JOIN StaffProfiles p ON p.Id = c.OwnerId
        ORDER BY page.NameKey, page.Id;
        """;

    /// <summary>As <see cref="Rows"/>, for a page in code order (<paramref name="pageIds"/> selects Id, Code).</summary>
    private static string CodeRows(string pageIds) => Rows(pageIds).Replace("ORDER BY page.NameKey, page.Id", "ORDER BY page.Code, page.Id", StringComparison.Ordinal);

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Times <paramref name="statements"/> (one run = all of them, every row read, summed) <paramref name="runs"/> times
    /// after <see cref="WarmUp"/> warm-up runs, on one connection to the file with the product's pragmas.
    /// </summary>
    private static List<double> FloorRuns(string dbPath, string[] statements, int runs, bool prepareEachRun = false)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dbPath}");
        connection.Open();
        using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;";
            pragmas.ExecuteNonQuery();
        }

        var commands = statements.Select(sql =>
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }).ToList();
        var times = new List<double>(runs);
        for (var run = 0; run < runs + WarmUp; run++)
        {
            var start = Stopwatch.GetTimestamp();
            foreach (var kept in commands)
            {
                using var fresh = prepareEachRun ? connection.CreateCommand() : null;
                if (fresh is not null)
                {
                    fresh.CommandText = kept.CommandText;
                }

                var command = fresh ?? kept;
                using var reader = command.ExecuteReader();
                var values = new object[reader.FieldCount];
                while (reader.Read())
                {
                    reader.GetValues(values);
                }
            }

            if (run >= WarmUp)
            {
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        foreach (var command in commands)
        {
            command.Dispose();
        }

        return times;
    }
}
