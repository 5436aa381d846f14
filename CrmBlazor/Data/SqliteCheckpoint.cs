using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CrmBlazor.Data;

/// <summary>
/// SQLite's WAL checkpoint after a large write, off the writer's path. SQLite copies the write-ahead log back into the
/// database file in the committing call once the log passes 1,000 pages (wal_autocheckpoint): after a 100,000-row import
/// that copy took 1.4–1.8 s of the import's own time, with the import already committed and durable. A large writer turns
/// the automatic checkpoint off for its connection and calls <see cref="RunInBackground"/> after its commit instead: a
/// PASSIVE checkpoint on a connection of its own, which neither waits for nor blocks readers and writers (pages a
/// reader still needs stay in the log until a later checkpoint).
/// </summary>
public static class SqliteCheckpoint
{
    /// <summary>SQLite's default automatic checkpoint threshold, in pages; what a connection goes back to the pool with.</summary>
    public const int DefaultAutocheckpointPages = 1000;

    /// <param name="connectionString">The writer's connection string (the same database file).</param>
    public static Task RunInBackground(string? connectionString, ILogger? logger) =>
        Task.Run(async () =>
        {
            try
            {
                // A connection of its own that never creates the file: a database removed meanwhile is not made again.
                var builder = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
                await using var connection = new SqliteConnection(builder.ConnectionString);
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                await command.ExecuteNonQueryAsync();
            }
            catch (Exception e)
            {
                // Nothing is lost: the log stays valid and the next write's automatic checkpoint copies it.
                logger?.LogWarning(e, "The WAL checkpoint after a large write failed; a later write will checkpoint.");
            }
        });
}
