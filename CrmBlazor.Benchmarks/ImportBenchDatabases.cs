using System.Diagnostics;
using System.Globalization;
using System.Text;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Import;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CrmBlazor.Benchmarks;

/// <summary>Where the import bench runs: a base database, a fresh copy per run, and the database's own bulk loader.</summary>
internal interface IBenchCopies
{
    string Name { get; }
    string BulkName { get; }
    IDbContextFactory<CrmDbContext> Base { get; }
    Task<IDbContextFactory<CrmDbContext>> CopyAsync(int run);
    Task DropAsync(int run);
    /// <summary>Loads the CSV (header row, columns as named) into Customers of copy <paramref name="run"/>; milliseconds.</summary>
    Task<double> BulkLoadAsync(int run, string csv, IReadOnlyList<string> columns);
    /// <summary>The Customers columns in table order.</summary>
    Task<IReadOnlyList<string>> ColumnsAsync();
}

internal sealed class SqliteCopies(string baseDb) : IBenchCopies
{
    public string Name => "SQLite";
    public string BulkName => "sqlite3 .import";
    public IDbContextFactory<CrmDbContext> Base { get; } = new SqliteFactory(baseDb);

    private string Copy(int run) => Path.Combine(Path.GetDirectoryName(baseDb)!, $"import-run-{run}.db");

    public Task<IDbContextFactory<CrmDbContext>> CopyAsync(int run)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Copy(baseDb, Copy(run), overwrite: true);
        return Task.FromResult<IDbContextFactory<CrmDbContext>>(new SqliteFactory(Copy(run)));
    }

    public Task DropAsync(int run)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Copy(run) + suffix);
        }

        return Task.CompletedTask;
    }

    public async Task<double> BulkLoadAsync(int run, string csv, IReadOnlyList<string> columns)
    {
        // The shell's own CSV loader, in one transaction, with the import's settings (synchronous=NORMAL, temp_store=MEMORY, 64 MB cache); into the real table with
        // its indexes and search-index triggers. Columns are positional: the CSV follows the table's order.
        var start = new ProcessStartInfo("sqlite3", [Copy(run), "-cmd", "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;", "-cmd", ".mode csv", $".import --skip 1 {csv} Customers"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("sqlite3 did not start (apt-get install sqlite3).");
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0 || errors.Length > 0)
        {
            throw new InvalidOperationException("sqlite3 .import failed: " + errors);
        }

        return elapsed;
    }

    public async Task<IReadOnlyList<string>> ColumnsAsync()
    {
        await using var db = await Base.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM pragma_table_info('Customers') ORDER BY cid").ToListAsync();
    }
}

internal sealed class PostgresCopies : IBenchCopies
{
    private readonly string _server;
    private readonly string _baseName;

    private PostgresCopies(string server, string baseName, string adminUserId)
    {
        _server = server;
        _baseName = baseName;
        AdminUserId = adminUserId;
        Base = new PgFactory(Database(baseName));
    }

    public string Name => "PostgreSQL";
    public string BulkName => "PostgreSQL COPY";
    public string AdminUserId { get; }
    public IDbContextFactory<CrmDbContext> Base { get; }

    private string Database(string name) => new NpgsqlConnectionStringBuilder(_server) { Database = name }.ConnectionString;

    private string RunName(int run) => $"{_baseName}_run{run}";

    /// <summary>The base database (migrated, <paramref name="customers"/> generated) is made once and kept between bench runs.</summary>
    public static async Task<PostgresCopies> EnsureAsync(string server, int customers)
    {
        var baseName = $"crm_bench_import_{customers}";
        var probe = new PostgresCopies(server, baseName, string.Empty);
        await using (var db = await probe.Base.CreateDbContextAsync())
        {
            await db.Database.MigrateAsync();
        }

        var data = await BenchData.EnsureAsync(probe.Base, customers, 12, 3);
        return new PostgresCopies(server, baseName, data.AdminUserId);
    }

    private async Task ServerAsync(string sql)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Database("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IDbContextFactory<CrmDbContext>> CopyAsync(int run)
    {
        await ServerAsync($"DROP DATABASE IF EXISTS \"{RunName(run)}\" WITH (FORCE)");
        await ServerAsync($"CREATE DATABASE \"{RunName(run)}\" TEMPLATE \"{_baseName}\"");
        return new PgFactory(Database(RunName(run)));
    }

    public Task DropAsync(int run) => ServerAsync($"DROP DATABASE IF EXISTS \"{RunName(run)}\" WITH (FORCE)");

    public async Task<double> BulkLoadAsync(int run, string csv, IReadOnlyList<string> columns)
    {
        await using var connection = new NpgsqlConnection(Database(RunName(run)));
        await connection.OpenAsync();
        var text = await File.ReadAllTextAsync(csv);
        var watch = Stopwatch.StartNew();
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using (var writer = await connection.BeginTextImportAsync(
                             $"COPY \"Customers\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) FROM STDIN (FORMAT csv, HEADER true)"))
            {
                await writer.WriteAsync(text);
            }

            await tx.CommitAsync();
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    public async Task<IReadOnlyList<string>> ColumnsAsync()
    {
        await using var db = await Base.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<string>(
            "SELECT column_name::text AS \"Value\" FROM information_schema.columns WHERE table_name = 'Customers' ORDER BY ordinal_position").ToListAsync();
    }
}

internal sealed class PgFactory(string connectionString) : IDbContextFactory<CrmDbContext>
{
    private readonly DbContextOptions<PostgresCrmDbContext> _options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(connectionString).Options;

    public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(_options);
}
