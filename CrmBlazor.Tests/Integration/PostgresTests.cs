using CrmBlazor.Tests.TestSupport;
using CrmBlazor.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrmBlazor.Tests.Integration;

/// <summary>
/// Runs the PostgreSQL migrations and a round trip against a real server. test.sh installs and starts PostgreSQL and
/// sets CRM_TEST_POSTGRES; without a server this test fails (it never skips).
/// </summary>
public class PostgresTests
{
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("CRM_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : "Host=127.0.0.1;Port=5432;Username=crm;Password=crm";

    [Fact]
    public async Task Migrations_apply_and_a_round_trip_works_on_a_real_PostgreSQL()
    {
        var database = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database, Pooling = false }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        try
        {
            await using (var db = new PostgresCrmDbContext(options))
            {
                await db.Database.MigrateAsync();
                Assert.Empty(await db.Database.GetPendingMigrationsAsync());
                await RoundTrip.WriteAsync(db);
            }

            await using (var db = new PostgresCrmDbContext(options))
            {
                await RoundTrip.VerifyAsync(db);
                var version = await db.Database.SqlQueryRaw<string>("SELECT version() AS \"Value\"").SingleAsync();
                Assert.Contains("PostgreSQL", version, StringComparison.Ordinal);
            }
        }
        finally
        {
            await using var db = new PostgresCrmDbContext(options);
            await db.Database.DropAsync();
        }
    }
}
