using System.Data.Common;
using CrmBlazor.Data;
using CrmBlazor.Features.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// #25 (import undo within 1.3× of its floor): a purge clears the referrer of the customers the purged ones referred, and
/// that statement must find them through the referrer index, not by reading every customer. Most customers have no
/// referrer; with those NULLs in the index, SQLite's statistics made one referrer look like every row, and each purge chunk
/// of an import's undo scanned the whole table (5.2 s of a 100,000-row undo at a million customers).
/// </summary>
public sealed class CustomerPurgePlanTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task The_purge_clears_referrers_through_the_referrer_index_when_most_customers_have_none()
    {
        var stage = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        var referrer = await _db.AddCustomerAsync("Người Giới Thiệu", "0912000001", stage, null);
        var referred = await _db.AddCustomerAsync("Khách Được Giới Thiệu", "0912000002", stage, null);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            await db.Customers.Where(c => c.Id == referred.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.ReferrerCustomerId, referrer.Id));
            // Twenty thousand customers without a referrer, then the statistics SQLite plans with (the app analyses a
            // database of this size after its migrations).
            await db.Database.ExecuteSqlRawAsync("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO "Customers" ("Name", "Gender", "RelationshipId", "NameKey", "SearchText", "Version", "IsDeleted", "CreatedAt",
                                         "UpdatedAt", "InteractionCount", "TotalPaid")
                SELECT 'Khách ' || i, 0, {0}, 'khach ' || i, 'khach ' || i, 1, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, '0'
                FROM n;
                """, stage);
            await db.Database.ExecuteSqlRawAsync("ANALYZE;");
        }

        // The purge's own statement, as EF Core sends it, with its parameter.
        var recorder = new Recorder();
        await using (var db = await _db.FactoryWith(recorder).CreateDbContextAsync())
        {
            await CustomerPurge.DeleteRowsAsync(db, [referrer.Id], CancellationToken.None);
        }

        var (sql, parameters) = Assert.Single(recorder.ReferrerUpdates);
        await using var connection = new SqliteConnection($"Data Source={_db.File};Pooling=False");
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters)
        {
            explain.Parameters.AddWithValue(name, value);
        }

        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, p => p.StartsWith("SEARCH c USING ", StringComparison.Ordinal) && p.Contains("INDEX IX_Customers_ReferrerCustomerId (", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, p => p == "SCAN c");

        // And it did its work: the referred customer stays, without its referrer.
        await using var check = await _db.Factory.CreateDbContextAsync();
        Assert.Null(await check.Customers.Where(c => c.Id == referred.Id).Select(c => c.ReferrerCustomerId).SingleAsync());
        Assert.False(await check.Customers.AnyAsync(c => c.Id == referrer.Id));
    }

    private sealed class Recorder : DbCommandInterceptor
    {
        public List<(string Sql, List<(string Name, object Value)> Parameters)> ReferrerUpdates { get; } = [];

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.StartsWith("UPDATE \"Customers\"", StringComparison.Ordinal)
                && command.CommandText.Contains("SET \"ReferrerCustomerId\" = NULL", StringComparison.Ordinal))
            {
                ReferrerUpdates.Add((command.CommandText,
                    command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value ?? DBNull.Value)).ToList()));
            }

            return ValueTask.FromResult(result);
        }
    }
}
