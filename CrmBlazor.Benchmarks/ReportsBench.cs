using System.Data.Common;
using System.Diagnostics;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Reports;
using CrmBlazor.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Suite "reports" (#24, R8): every report of the reports page at 1,000,000 customers with 5,000,000 stage changes in
/// the change log, 2,000,000 comments and 1,000,000 orders (revenue, conversion, bought once or again), for a reader who sees all, a sub-department manager and a salesperson, over
/// this month, this quarter and a department. Beside each: its floor, the very SQL statements the page ran, replayed
/// through a bare SqliteCommand on the same file (no EF, no materialisation beyond reading the rows).
/// Run: dotnet run -c Release --project CrmBlazor.Benchmarks -- reports --depth 5 --users 60 [--runs 30]
/// </summary>
public static class ReportsBench
{
    public static async Task RunAsync(string dbPath, int customers, int users, int depth, int runs)
    {
        var path = Path.Combine(Path.GetDirectoryName(dbPath)!, $"reports-{customers}-{users}-{depth}.db");
        var recorder = new Recorder();
        IDbContextFactory<CrmDbContext> factory = new RecordingFactory(path, recorder);
        var data = await BenchData.EnsureAsync(factory, customers, users, depth);
        await EnsureActivityAsync(path, customers, data);
        await EnsureOrdersAsync(path, customers);
        await using (var db = await factory.CreateDbContextAsync())
        {
            // Readers of the bench get the right to see reports.
            var groups = await db.PermissionGroups.ToListAsync();
            foreach (var g in groups.Where(g => !g.Has(Rights.ViewKpi)))
            {
                g.SetRights(g.Rights | Rights.ViewKpi);
            }

            await db.SaveChangesAsync();
        }

        var readers = new List<(string Name, UserAccess User)>();
        var admin = (await CurrentUser.LoadAsync(factory, data.AdminUserId))!;
        readers.Add(("view all", admin));
        foreach (var id in data.UserIds)
        {
            var access = (await CurrentUser.LoadAsync(factory, id))!;
            var level = CustomerScope.LevelOf(access.Rights);
            if (level == VisibilityLevel.SubDepartment && data.UserDepartments[id].Depth == 2 && readers.All(r => r.Name != "sub-department"))
            {
                readers.Add(("sub-department", access));
            }
            else if (level == VisibilityLevel.Own && readers.All(r => r.Name != "own"))
            {
                readers.Add(("own", access));
            }
        }

        var service = new ReportService(factory, TimeProvider.System, new CustomerOptions());
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        int departmentId;
        await using (var db = await factory.CreateDbContextAsync())
        {
            departmentId = await db.Departments.Where(d => d.Path.Length > 3).OrderBy(d => d.Id).Select(d => d.Id).FirstAsync();
        }

        var cases = new List<(string Name, UserAccess User, ReportFilter Filter)>();
        foreach (var (name, user) in readers)
        {
            cases.Add(($"{name}, this month", user, new ReportFilter(ReportPeriod.Of(ReportPeriodKind.ThisMonth, today))));
            cases.Add(($"{name}, this quarter", user, new ReportFilter(ReportPeriod.Of(ReportPeriodKind.ThisQuarter, today))));
        }

        cases.Add(("view all, last month, one department", admin, new ReportFilter(ReportPeriod.Of(ReportPeriodKind.LastMonth, today), departmentId)));

        Console.WriteLine();
        Console.WriteLine($"{"reports page (all figures)",-44} {"p50 ms",8} {"p95 ms",8} {"floor p95",10} {"ratio",6}");
        await using var raw = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await raw.OpenAsync();
        // The order figures compare and sum decimal columns (TEXT in SQLite) through functions EF Core registers on its own
        // connections: the replay needs them too, doing the same work.
        raw.CreateFunction("ef_compare", (decimal? left, decimal? right) => left is decimal l && right is decimal r ? decimal.Compare(l, r) : (int?)null, isDeterministic: true);
        raw.CreateAggregate("ef_sum", (decimal?)null, (decimal? sum, decimal? value) => value is decimal v ? sum.GetValueOrDefault() + v : sum, isDeterministic: true);
        foreach (var (name, user, filter) in cases)
        {
            recorder.Commands.Clear();
            recorder.Recording = true;
            await service.LoadAsync(user, filter);
            recorder.Recording = false;
            var statements = recorder.Commands.ToList();
            if (Environment.GetEnvironmentVariable("CRM_BENCH_VERBOSE") is not null)
            {
                foreach (var statement in statements)
                {
                    var start = Stopwatch.GetTimestamp();
                    await ReplayAsync(raw, [statement]);
                    Console.WriteLine($"  {Stopwatch.GetElapsedTime(start).TotalMilliseconds,8:N1} ms  {statement.Sql.ReplaceLineEndings(" ")[..Math.Min(160, statement.Sql.Length)]}");
                }
            }

            var product = await MeasureAsync(runs, () => service.LoadAsync(user, filter));
            var floor = await MeasureAsync(runs, () => ReplayAsync(raw, statements));
            Console.WriteLine($"{name,-44} {product.Median,8:N1} {product.P95,8:N1} {floor.P95,10:N1} {product.P95 / floor.P95,6:N2}");
        }
    }

    /// <summary>Stage changes and comments spread over the customers' two years, written once by SQL.</summary>
    private static async Task EnsureActivityAsync(string path, int customers, BenchData.Result data)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        var moves = customers * 5;
        var comments = customers * 2;
        if (await ScalarAsync(connection, "SELECT count(*) FROM \"ChangeLog\"") >= moves)
        {
            return;
        }

        var watch = Stopwatch.StartNew();
        Console.WriteLine($"Writing {moves:N0} stage changes and {comments:N0} comments…");
        var stages = data.RelationshipIds;
        var first = stages.Min();
        var count = stages.Count;
        var author = data.UserIds[0];
        await ExecAsync(connection, $"""
            BEGIN;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {moves})
            INSERT INTO "ChangeLog" ("CustomerId", "UserId", "At", "Field", "OldValue", "NewValue", "Origin")
            SELECT abs(random()) % {customers} + 1, NULL,
                   strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (abs(random()) % (700 * 86400)) || ' seconds'),
                   'RelationshipId', CAST({first} + abs(random()) % {count} AS TEXT), CAST({first} + abs(random()) % {count} AS TEXT), 'grid'
            FROM n;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {comments})
            INSERT INTO "Comments" ("CustomerId", "AuthorId", "Body", "CreatedAt", "IsDeleted")
            SELECT abs(random()) % {customers} + 1, '{author}', 'Đã gọi cho khách',
                   strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (abs(random()) % (700 * 86400)) || ' seconds'), 0
            FROM n;
            COMMIT;
            """);
        // Written by SQL, as an import's are: each stage change gets the start of the stay it ends as the product keeps it.
        await ExecAsync(connection, StageStays.RebuildSql("Microsoft.EntityFrameworkCore.Sqlite", null) + "ANALYZE;");
        Console.WriteLine($"  done in {watch.Elapsed.TotalSeconds:N0} s");
    }

    /// <summary>One order a customer on average over the customers' two years, every status, some partly paid; written once by SQL.</summary>
    private static async Task EnsureOrdersAsync(string path, int customers)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        if (await ScalarAsync(connection, "SELECT count(*) FROM \"Orders\"") >= customers)
        {
            return;
        }

        var watch = Stopwatch.StartNew();
        Console.WriteLine($"Writing {customers:N0} orders…");
        // MATERIALIZED: each row's random status is drawn once, so its amount paid matches it (2 paid, 1 confirmed with a
        // deposit, 3 cancelled after one, 0 draft). Amounts are whole VND in EF's decimal text form.
        await ExecAsync(connection, $"""
            BEGIN;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {customers}),
            r AS MATERIALIZED (SELECT i, abs(random()) % {customers} + 1 AS c, abs(random()) % 4 AS s, (abs(random()) % 500 + 1) * 10000 AS t,
                                      abs(random()) % (700 * 86400) AS ago FROM n)
            INSERT INTO "Orders" ("CustomerId", "Number", "OrderDate", "Status", "Total", "AmountPaid", "Note", "Version", "CreatedAt", "CreatedById",
                                  "UpdatedAt", "UpdatedById", "PaidAt", "Lines")
            SELECT c, 'DH' || printf('%07d', i), date('now', '-' || ago || ' seconds'), s, t || '.0',
                   CASE s WHEN 2 THEN t WHEN 1 THEN t / 2 WHEN 3 THEN t / 4 ELSE 0 END || '.0', NULL, 1,
                   strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || ago || ' seconds'), NULL,
                   strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || ago || ' seconds'), NULL, NULL, '[]'
            FROM r;
            COMMIT;
            """);
        // Written by SQL: each paying order gets its rank among its customer's as the product keeps it.
        await ExecAsync(connection, PayingOrders.RebuildSql("Microsoft.EntityFrameworkCore.Sqlite", null) + "ANALYZE;");
        Console.WriteLine($"  done in {watch.Elapsed.TotalSeconds:N0} s");
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task ExecAsync(SqliteConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The statements as EF sent them, each read to its end.</summary>
    private static async Task<int> ReplayAsync(SqliteConnection connection, List<(string Sql, (string Name, object? Value)[] Parameters)> statements)
    {
        var rows = 0;
        foreach (var (sql, parameters) in statements)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
            }
        }

        return rows;
    }

    private static async Task<Stats> MeasureAsync<T>(int runs, Func<Task<T>> action)
    {
        for (var i = 0; i < 2; i++)
        {
            await action();
        }

        var times = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return Stats.Of(times);
    }

    private sealed class Recorder : DbCommandInterceptor
    {
        public bool Recording { get; set; }

        public List<(string Sql, (string Name, object? Value)[] Parameters)> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Recording)
            {
                Commands.Add((command.CommandText, command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToArray()));
            }

            return ValueTask.FromResult(result);
        }
    }

    private sealed class RecordingFactory(string path, Recorder recorder) : IDbContextFactory<CrmDbContext>
    {
        private readonly DbContextOptions<SqliteCrmDbContext> _options =
            new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite($"Data Source={path};Pooling=True").AddInterceptors(new SqlitePragmas(), recorder).Options;

        public CrmDbContext CreateDbContext() => new SqliteCrmDbContext(_options);
    }
}
