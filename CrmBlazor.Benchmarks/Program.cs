using System.Diagnostics;
using System.Globalization;
using CrmBlazor.Benchmarks;
using CrmBlazor.Data;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// CrmBlazor bench console: generates data straight into a database and prints timings (median, p95).
// It asserts nothing. Usage:
//   dotnet run -c Release --project CrmBlazor.Benchmarks -- [customers-page] [import] [--customers 1000000] [--db path] [--runs 60]
//   import: dotnet run -c Release --project CrmBlazor.Benchmarks -- import import-pg --customers 100000 --runs 3
//   floors: dotnet run -c Release --project CrmBlazor.Benchmarks -- floors [--customers 1000000] (each figure beside its sqlite3 floor)
//   orders: dotnet run -c Release --project CrmBlazor.Benchmarks -- orders [--clients 16]
//   api:    dotnet run -c Release --project CrmBlazor.Benchmarks -- api --db bench-data/bench-1000000-12-3.db [--clients 16] [--seconds 30] [--wrk]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
Console.WriteLine($"CrmBlazor benchmarks · {options.Customers:N0} customers · SQLite {options.DbPath} · {options.Runs} runs each");

if (options.Suites.Contains("hub"))
{
    // Live delivery: 500 hub clients watching one customer, 1,000 comments; one instance, then two with Redis.
    var postgres = Environment.GetEnvironmentVariable("CRM_BENCH_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=crm;Password=crm";
    var redis = Environment.GetEnvironmentVariable("CRM_BENCH_REDIS") ?? "127.0.0.1:6390";
    var clients = options.Customers >= 1000 ? 500 : options.Customers;
    var single = await HubBench.RunAsync(clients, options.Runs, null, null);
    Console.WriteLine($"hub, one instance (SQLite): {clients} clients × {options.Runs} comments: p50 {single.P50:N1} ms, p95 {single.P95:N1} ms, p99 {single.P99:N1} ms, delivered {single.Delivered:N0}, lost {single.Lost:N0}");
    var scaled = await HubBench.RunAsync(clients, options.Runs, postgres, redis);
    Console.WriteLine($"hub, two instances (PostgreSQL + Redis): {clients} clients × {options.Runs} comments: p50 {scaled.P50:N1} ms, p95 {scaled.P95:N1} ms, p99 {scaled.P99:N1} ms, delivered {scaled.Delivered:N0}, lost {scaled.Lost:N0}");
    return;
}

if (options.Suites.Contains("circuit-smoke") || options.Suites.Contains("circuits"))
{
    // Live collaboration with real Blazor Server circuits (headless clients), the app in a separate process.
    if (options.Suites.Contains("circuit-smoke"))
    {
        await CrmBlazor.Benchmarks.Circuits.CircuitSmoke.RunAsync();
    }

    if (options.Suites.Contains("circuits"))
    {
        await CrmBlazor.Benchmarks.Circuits.CircuitBench.RunAsync(options.Viewers, options.Runs, options.ScaleOut, options.SingleInstance);
    }

    return;
}

if (options.Suites.Contains("circuit-memory"))
{
    await CrmBlazor.Benchmarks.Circuits.CircuitMemory.RunAsync(Math.Min(options.Runs, 40), options.Pages, options.Hold);
    return;
}

if (options.Suites.Contains("viewer-cost"))
{
    // Run the circuits suite once first: it makes the demo database this reads.
    await ViewerCostBench.RunAsync(Path.Combine(CrmBlazor.Benchmarks.Circuits.CircuitApps.DataRoot, "template-5000", "crm.db"), options.Runs);
    return;
}

if (options.Suites.Contains("reports"))
{
    // Its own database (the customers of the others plus 5 stage changes and 2 comments per customer).
    await ReportsBench.RunAsync(options.DbPath, options.Customers, options.Users, options.Depth, Math.Min(options.Runs, 30));
    return;
}

if (options.Suites.Contains("orders"))
{
    // 10,000 orders through the API with five active rules; the floor is the same rows in one transaction.
    await OrderBench.RunAsync(orders: 10_000, clients: options.Clients);
    return;
}

var factory = new SqliteFactory(options.DbPath);
var data = await BenchData.EnsureAsync(factory, options.Customers, options.Users, options.Depth);
var service = new CustomerService(factory, TimeProvider.System);

var admin = await CurrentUser.LoadAsync(factory, data.AdminUserId) ?? throw new InvalidOperationException("No bench admin.");
var results = new List<(string Name, Stats Stats)>();

if (options.Suites.Contains("customers-page"))
{
    results.Add(("first page, sorted by name (view all)", await Measure(options.Runs, () => service.ListAsync(admin, new CustomerListQuery { PageSize = 25 }))));
    results.Add(("page 1,000, sorted by name (view all)", await Measure(options.Runs, () => service.ListAsync(admin, new CustomerListQuery { Page = 999, PageSize = 25 }))));
    results.Add(("search 'nguyen thi anh' (no diacritics)", await Measure(options.Runs, () => service.ListAsync(admin, new CustomerListQuery { Search = "nguyen thi anh", PageSize = 25 }))));
    results.Add(("search 'tran minh' (no diacritics)", await Measure(options.Runs, () => service.ListAsync(admin, new CustomerListQuery { Search = "tran minh", PageSize = 25 }))));
    results.Add(("search 'nguyen' (5% of customers)", await Measure(options.Runs, () => service.ListAsync(admin, new CustomerListQuery { Search = "nguyen", PageSize = 25 }))));
    results.Add(("search by phone '0912 345 678'", await Measure(options.Runs, () => service.ListAsync(admin, new CustomerListQuery { Search = "0912 345 678", PageSize = 25 }))));
}

if (options.Suites.Contains("duplicates"))
{
    results.AddRange(await DuplicateBench.RunAsync(factory, options.DbPath, admin, options.Runs, (runs, action) => Measure(runs, action)));
}

if (options.Suites.Contains("board"))
{
    foreach (var (name, action) in BoardBench.Cases(factory, admin))
    {
        results.Add((name, await Measure(options.Runs, action)));
    }
}

if (options.Suites.Contains("scope"))
{
    results.AddRange(await ScopeBench.RunAsync(factory, data, options.Runs, (runs, action) => Measure(runs, action)));
}

if (options.Suites.Contains("import"))
{
    results.AddRange(await ImportBench.RunAsync(options.DbPath, data.AdminUserId, Math.Min(options.Runs, 3)));
}

if (options.Suites.Contains("import-pg"))
{
    // The same import on PostgreSQL (CRM_BENCH_POSTGRES, a server the bench may create databases on).
    var server = Environment.GetEnvironmentVariable("CRM_BENCH_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=crm;Password=crm";
    results.AddRange(await ImportBench.RunPostgresAsync(server, options.Customers, Math.Min(options.Runs, 3)));
}

if (options.Suites.Contains("api"))
{
    await ApiBench.RunAsync(options.DbPath, data, options.Clients, TimeSpan.FromSeconds(options.Seconds), options.Wrk);
}

if (options.Suites.Contains("floors"))
{
    // Each grid and board figure beside the same answer's tuned statements in sqlite3 on the same file (#25).
    await CrmBlazor.Benchmarks.FloorsBench.RunAsync(factory, options.DbPath, data, admin, options.Runs, async (runs, action) => await Measure(runs, action));
}

if (options.Suites.Contains("grid"))
{
    var seller = await CurrentUser.LoadAsync(factory, data.UserIds[^1]) ?? throw new InvalidOperationException("No bench user.");
    await CrmBlazor.Benchmarks.GridSuite.RunAsync(service, admin, seller, options.Runs, async (runs, action) => await Measure(runs, action), results);
}

Console.WriteLine();
Console.WriteLine($"{"benchmark",-48} {"median ms",10} {"p95 ms",10} {"max ms",10}");
foreach (var (name, s) in results)
{
    Console.WriteLine($"{name,-48} {s.Median,10:N1} {s.P95,10:N1} {s.Max,10:N1}");
}

static async Task<Stats> Measure<T>(int runs, Func<Task<T>> action)
{
    for (var i = 0; i < 3; i++)
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

    times.Sort();
    return new Stats(times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.95) - 1], times[^1]);
}

public sealed record Stats(double Median, double P95, double Max)
{
    public static Stats Of(List<double> times)
    {
        times.Sort();
        return new Stats(times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.95) - 1], times[^1]);
    }
}

internal sealed record BenchOptions(HashSet<string> Suites, int Customers, int Users, int Depth, string DbPath, int Runs)
{
    /// <summary>api suite: concurrent clients, seconds per run, and whether wrk runs the same load too.</summary>
    public int Clients { get; private init; } = 16;
    public int Seconds { get; private init; } = 30;
    public bool Wrk { get; private init; }

    /// <summary>circuits suite: viewer counts (--viewers 0,10,50,200) and whether the two-instance run follows (--no-scale-out).</summary>
    public IReadOnlyList<int> Viewers { get; private init; } = [0, 10, 50, 200];
    public bool ScaleOut { get; private init; } = true;

    /// <summary>circuits suite: whether the one-instance (SQLite) run comes first (--scale-out-only skips it).</summary>
    public bool SingleInstance { get; private init; } = true;

    /// <summary>circuit-memory suite: only these pages (--pages /customers,/board; "detail" is a customer's page).</summary>
    public IReadOnlyList<string>? Pages { get; private init; }

    /// <summary>circuit-memory suite: seconds to keep each page's circuits open after measuring (--hold 60), for dotnet-dump.</summary>
    public int Hold { get; private init; }

    public static BenchOptions Parse(string[] args)
    {
        var suites = new HashSet<string>();
        int customers = 1_000_000, users = 12, depth = 3, runs = 60, clients = 16, seconds = 30;
        var wrk = false;
        var scaleOut = true;
        var single = true;
        int[] viewers = [0, 10, 50, 200];
        string? db = null;
        string[]? pages = null;
        var hold = 0;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--customers": customers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--depth": depth = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--db": db = args[++i]; break;
                case "--clients": clients = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--wrk": wrk = true; break;
                case "--viewers": viewers = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--no-scale-out": scaleOut = false; break;
                case "--scale-out-only": single = false; break;
                case "--hold": hold = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--pages": pages = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                default: suites.Add(args[i]); break;
            }
        }

        if (suites.Count == 0)
        {
            suites.Add("customers-page");
        }

        db ??= Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "bench-data", $"bench-{customers}-{users}-{depth}.db");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(db))!);
        return new BenchOptions(suites, customers, users, depth, Path.GetFullPath(db), runs) { Clients = clients, Seconds = seconds, Wrk = wrk, Viewers = viewers, ScaleOut = scaleOut, SingleInstance = single, Pages = pages, Hold = hold };
    }
}

/// <summary>
/// The app's own context factory on a SQLite file (pooled contexts, the same options and interceptors), so the product's
/// figures include what the app pays per context. CRM_BENCH_UNPOOLED=1: a new context per call, for a before/after.
/// </summary>
internal sealed class SqliteFactory : IDbContextFactory<CrmDbContext>
{
    private readonly IDbContextFactory<CrmDbContext>? _app;
    private readonly DbContextOptions<SqliteCrmDbContext>? _options;

    public SqliteFactory(string path)
    {
        var connectionString = $"Data Source={path};Pooling=True";
        if (Environment.GetEnvironmentVariable("CRM_BENCH_UNPOOLED") == "1")
        {
            _options = new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite(connectionString).AddInterceptors(new SqlitePragmas()).Options;
            return;
        }

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Crm"] = connectionString }).Build();
        _app = new ServiceCollection().AddLogging().AddCrmDatabase(configuration, Path.GetDirectoryName(Path.GetFullPath(path))!)
            .BuildServiceProvider().GetRequiredService<IDbContextFactory<CrmDbContext>>();
    }

    public CrmDbContext CreateDbContext() => _app?.CreateDbContext() ?? new SqliteCrmDbContext(_options!);
}
