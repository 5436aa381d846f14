using CrmBlazor.Data;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit.Abstractions;

namespace CrmBlazor.Tests.Integration.Admin;

/// <summary>The visibility scope (R7.3) equals a plain in-memory evaluation on random organisations: zero mismatches.</summary>
public sealed class ScopeOracleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sqlite_scope_equals_the_R7_3_oracle_on_random_trees_over_10000_checks()
    {
        var checks = 0;
        foreach (var seed in new[] { 11, 29 })
        {
            await using var database = await TestDatabase.CreateAsync();
            // A pooled connection: thousands of small queries, each would otherwise reopen the file.
            var pooled = new SqliteFactory(new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite($"Data Source={database.File};Pooling=True").Options);
            var oracle = new ScopeOracle(pooled, seed);
            await oracle.SeedAsync(departments: 40, users: 70, customers: 600);
            await oracle.CheckAsync(singlesPerUser: 20);
            // Reshape the tree through the real service, then check again: moved subtrees carry their paths along.
            await oracle.MoveRandomDepartmentsAsync(moves: 6);
            await oracle.CheckAsync(singlesPerUser: 12);
            await oracle.CheckAudienceAsync(samples: 60);
            Assert.True(oracle.Mismatches.Count == 0, $"seed {seed}: " + string.Join("; ", oracle.Mismatches));
            checks += oracle.Checks;
        }

        output.WriteLine($"{checks} checks, 0 mismatches");
        Assert.True(checks >= 10_000, $"only {checks} checks");
    }

    [Fact]
    public async Task Postgres_scope_equals_the_R7_3_oracle_on_a_random_tree()
    {
        var database = "crm_scope_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        var factory = new PostgresFactory(options);
        try
        {
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.MigrateAsync();
            }

            var oracle = new ScopeOracle(factory, 7);
            await oracle.SeedAsync(departments: 25, users: 30, customers: 300);
            await oracle.CheckAsync(singlesPerUser: 15);
            await oracle.MoveRandomDepartmentsAsync(moves: 4);
            await oracle.CheckAsync(singlesPerUser: 10);
            await oracle.CheckAudienceAsync(samples: 20);
            output.WriteLine($"{oracle.Checks} checks on PostgreSQL");
            Assert.True(oracle.Mismatches.Count == 0, string.Join("; ", oracle.Mismatches));
            Assert.True(oracle.Checks >= 1_000, $"only {oracle.Checks} checks");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var db = factory.CreateDbContext();
            await db.Database.DropAsync();
        }
    }

    private sealed class SqliteFactory(DbContextOptions<SqliteCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new SqliteCrmDbContext(options);
    }

    private sealed class PostgresFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
