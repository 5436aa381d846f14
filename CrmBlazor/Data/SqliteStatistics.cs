using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Data;

/// <summary>
/// SQLite chooses between indexes by the statistics ANALYZE leaves in sqlite_stat1. An index a migration adds has
/// none, and SQLite then guesses: at a million customers it counted every live customer through a four-column index
/// (44 ms) instead of the one-column one (16 ms). So migrations go through here, and a database with real data is
/// analysed again after any were applied (1.2 s at a million customers); a small one is not, as statistics of a
/// nearly empty table would mislead the planner once it grows.
/// </summary>
public static class SqliteStatistics
{
    /// <summary>Below this many customers the statistics are left alone.</summary>
    public const int MinimumCustomers = 10_000;

    public static async Task MigrateAsync(CrmDbContext db, CancellationToken ct = default)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Any();
        await db.Database.MigrateAsync(ct);
        if (pending && db.Database.IsSqlite() && await db.Customers.Take(MinimumCustomers).CountAsync(ct) >= MinimumCustomers)
        {
            await db.Database.ExecuteSqlRawAsync("ANALYZE;", ct);
        }
    }
}
