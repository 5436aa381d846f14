using CrmBlazor.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CrmBlazor.Tests.Integration;

/// <summary>Each provider has its own committed migrations, and they match the model (no pending changes).</summary>
public class MigrationTests
{
    public static TheoryData<string> Providers => new() { "Sqlite", "Postgres", "SqlServer" };

    private static CrmDbContext Create(string provider) => provider switch
    {
        "Sqlite" => new SqliteDesignFactory().CreateDbContext([]),
        "Postgres" => new PostgresDesignFactory().CreateDbContext([]),
        _ => new SqlServerDesignFactory().CreateDbContext([]),
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public void Committed_migrations_match_the_model(string provider)
    {
        using var db = Create(provider);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} model has changes without a migration: run dotnet ef migrations add for {provider}CrmDbContext.");
    }

    [Fact]
    public void Sql_server_migrations_generate_an_idempotent_script()
    {
        using var db = Create("SqlServer");
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        Assert.Contains("IF OBJECT_ID(N'[__EFMigrationsHistory]') IS NULL", script, StringComparison.Ordinal);
        // Idempotent: every migration step is guarded by a check of the history table.
        Assert.Matches(@"IF NOT EXISTS\s*\(\s*SELECT \* FROM \[__EFMigrationsHistory\]", script);
        Assert.Contains("CREATE TABLE [Customers]", script, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX [IX_Customers_Code] ON [Customers] ([Code]) WHERE [Code] IS NOT NULL", script, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE [AspNetUsers]", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqlite_migrations_apply_to_an_empty_file_and_round_trip()
    {
        var file = Path.Combine(Path.GetTempPath(), $"crm-migrate-{Guid.NewGuid():N}.db");
        try
        {
            var options = new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite($"Data Source={file};Pooling=False").Options;
            await using (var db = new SqliteCrmDbContext(options))
            {
                await db.Database.MigrateAsync();
                await RoundTrip.WriteAsync(db);
            }

            await using (var db = new SqliteCrmDbContext(options))
            {
                await RoundTrip.VerifyAsync(db);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
