using System.Data.Common;
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

/// <summary>
/// Where the import bench runs: a base database, fresh copies of it (by name: a run's copy, the state after a run's
/// import), and the database's own fastest write of a given set of rows (the floor, <see cref="ImportFloor"/>).
/// </summary>
internal interface IBenchCopies
{
    string Name { get; }
    string FloorName { get; }
    IDbContextFactory<CrmDbContext> Base { get; }
    /// <summary>A fresh copy named <paramref name="to"/> of the base, or of the copy <paramref name="from"/>.</summary>
    Task<IDbContextFactory<CrmDbContext>> CopyAsync(string to, string? from = null);
    Task DropAsync(string name);
    /// <summary>An unopened connection to the base (null) or a copy.</summary>
    DbConnection Connection(string? name);
    /// <summary>Writes <paramref name="set"/> into copy <paramref name="name"/> the tuned way; milliseconds.</summary>
    Task<double> ApplyFloorAsync(string name, ImportFloor.WriteSet set);
}

internal sealed class SqliteCopies(string baseDb) : IBenchCopies
{
    public string Name => "SQLite";
    public string FloorName => "prepared multi-row INSERTs, 256 MB cache, search index in bulk";
    public IDbContextFactory<CrmDbContext> Base { get; } = new SqliteFactory(baseDb);

    private string File(string name) => Path.Combine(Path.GetDirectoryName(baseDb)!, $"import-{name}.db");

    public Task<IDbContextFactory<CrmDbContext>> CopyAsync(string to, string? from = null)
    {
        // Every connection closed first: the last one to close copies its write-ahead log into the file.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.File.Copy(from is null ? baseDb : File(from), File(to), overwrite: true);
        return Task.FromResult<IDbContextFactory<CrmDbContext>>(new SqliteFactory(File(to)));
    }

    public Task DropAsync(string name)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            System.IO.File.Delete(File(name) + suffix);
        }

        return Task.CompletedTask;
    }

    public DbConnection Connection(string? name) =>
        new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={(name is null ? baseDb : File(name))};Pooling=False");

    public Task<double> ApplyFloorAsync(string name, ImportFloor.WriteSet set) => ImportFloor.ApplySqliteAsync(File(name), set);
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
    public string FloorName => "binary COPY (updates through a temporary table)";
    public string AdminUserId { get; }
    public IDbContextFactory<CrmDbContext> Base { get; }

    private string Database(string name) => new NpgsqlConnectionStringBuilder(_server) { Database = name }.ConnectionString;

    private string RunName(string name) => $"{_baseName}_{name.Replace('-', '_')}";

    /// <summary>The base database (migrated, <paramref name="customers"/> generated) is made once and kept between bench runs.</summary>
    public static async Task<PostgresCopies> EnsureAsync(string server, int customers)
    {
        // CRM_BENCH_PG_DATABASE names another base, so that a branch whose migrations differ does not migrate a base the
        // other branches' benches share on the same server.
        var baseName = Environment.GetEnvironmentVariable("CRM_BENCH_PG_DATABASE") ?? $"crm_bench_import_{customers}";
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

    public async Task<IDbContextFactory<CrmDbContext>> CopyAsync(string to, string? from = null)
    {
        await ServerAsync($"DROP DATABASE IF EXISTS \"{RunName(to)}\" WITH (FORCE)");
        await ServerAsync($"CREATE DATABASE \"{RunName(to)}\" TEMPLATE \"{(from is null ? _baseName : RunName(from))}\"");
        return new PgFactory(Database(RunName(to)));
    }

    public Task DropAsync(string name) => ServerAsync($"DROP DATABASE IF EXISTS \"{RunName(name)}\" WITH (FORCE)");

    public DbConnection Connection(string? name) => new NpgsqlConnection(Database(name is null ? _baseName : RunName(name)));

    public Task<double> ApplyFloorAsync(string name, ImportFloor.WriteSet set) => ImportFloor.ApplyPostgresAsync(Database(RunName(name)), set);
}

internal sealed class PgFactory(string connectionString) : IDbContextFactory<CrmDbContext>
{
    private readonly DbContextOptions<PostgresCrmDbContext> _options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(connectionString).Options;

    public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(_options);
}
