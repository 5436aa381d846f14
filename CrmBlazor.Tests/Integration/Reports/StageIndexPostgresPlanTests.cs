using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CrmBlazor.Tests.Integration.Reports;

/// <summary>
/// #25 (import and undo within 1.3× of their floors on PostgreSQL; R8 pipeline movement): the stay rebuild of an import
/// finds each customer's stage changes through the stage index by customer, even when the statistics still describe the
/// change log as it was before the import's own transaction grew it. With "Field" leading the partial index, PostgreSQL
/// dropped the condition the index's filter implies and read every stage change of the log for each chunk of customers,
/// each chunk slower than the one before as the write grew the log.
/// </summary>
public sealed class StageIndexPostgresPlanTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreatePostgresAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task A_rebuild_inside_a_large_write_reads_only_the_stage_changes_of_its_customers()
    {
        var stage = await _db.AddRelationshipAsync("Tiềm năng", isDefault: true);
        await using var db = await _db.Factory.CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "Customers" ("Name", "Gender", "RelationshipId", "NameKey", "SearchText", "Version", "IsDeleted", "CreatedAt",
                                     "UpdatedAt", "InteractionCount", "TotalPaid")
            SELECT 'Khách ' || i, 0, {0}, 'khach ' || i, 'khach ' || i, 1, false, timestamp '2026-01-01', timestamp '2026-01-01', 0, 0
            FROM generate_series(1, 2000) AS i;
            """, stage);
        // The statistics of an empty change log, as before a team's first import.
        await db.Database.ExecuteSqlRawAsync("ANALYZE;");
        var ids = await db.Customers.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync();

        await using var tx = await db.Database.BeginTransactionAsync();
        // The import's own transaction writes 80,000 changes, 40,000 of them stage changes.
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "ChangeLog" ("CustomerId", "UserId", "At", "Field", "OldValue", "NewValue", "Origin")
            SELECT {0} + (g % 2000), NULL, timestamp '2026-02-01' + g * interval '1 second',
                   CASE WHEN g % 2 = 0 THEN 'RelationshipId' ELSE 'Name' END, 'a', 'b', 'import'
            FROM generate_series(1, 80000) AS g;
            """, ids[0]);
        var chunk = ids.Take(100).ToList();
        var matching = await db.ChangeLog.CountAsync(e => e.Field == StageStays.Field && chunk.Contains(e.CustomerId));
        Assert.Equal(2000, matching);

        await using var explain = db.Database.GetDbConnection().CreateCommand();
        explain.Transaction = tx.GetDbTransaction();
        explain.CommandText = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + StageStays.RebuildSql(db.Database.ProviderName!, chunk);
        var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!);
        await tx.RollbackAsync();

        // The stays are read from the stage index by customer, with the customer as its leading key: a lookup reads a
        // few pages. With "Field" leading, the same condition on the second column walked the whole index each time.
        var lookup = Assert.Single(Nodes(plan.RootElement[0].GetProperty("Plan")),
            n => n.TryGetProperty("Index Name", out var i) && i.GetString() == "IX_ChangeLog_StageByCustomer");
        Assert.Contains("\"CustomerId\"", lookup.GetProperty("Index Cond").GetString(), StringComparison.Ordinal);
        var loops = lookup.GetProperty("Actual Loops").GetDouble();
        Assert.Equal(matching, lookup.GetProperty("Actual Rows").GetDouble() * loops);
        var pages = lookup.GetProperty("Shared Hit Blocks").GetDouble() + lookup.GetProperty("Shared Read Blocks").GetDouble();
        Assert.InRange(pages / loops, 1, 30);
    }

    private static IEnumerable<JsonElement> Nodes(JsonElement node)
    {
        yield return node;
        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray().SelectMany(Nodes))
            {
                yield return child;
            }
        }
    }
}
