using CrmBlazor.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CrmBlazor.Features.Import;

/// <summary>Inserts of rows that need no id back (change log, batch items), shared by the import and its undo.</summary>
internal static class ImportBulkRows
{
    /// <summary>Rows written per chunk on SQLite and SQL Server, and customers per live event.</summary>
    public const int ChunkSize = 1000;

    /// <summary>Ids per query when customers are loaded by id (SQLite, SQL Server).</summary>
    public const int QueryChunk = 500;

    /// <summary>
    /// PostgreSQL: rows written, and ids read, per chunk. Every statement there pays for planning and for the report
    /// tallies' statement triggers (a dozen grouped statements over its changed rows), so fewer, larger statements. Still
    /// chunks: a chunk's loaded customers are held only until it is written, never the whole file's.
    /// </summary>
    public const int PostgresChunk = 10_000;

    /// <summary>Rows an import writes per chunk on <paramref name="db"/>'s provider.</summary>
    public static int WriteChunk(DbContext db) => db.Database.IsNpgsql() ? PostgresChunk : ChunkSize;

    /// <summary>Ids per query (and items per undo chunk) on <paramref name="db"/>'s provider.</summary>
    public static int ReadChunk(DbContext db) => db.Database.IsNpgsql() ? PostgresChunk : QueryChunk;

    /// <summary>
    /// The change log of an import or its undo: one insert of all <paramref name="logs"/> (origin "import", dated
    /// <paramref name="now"/>), with the stays of its stage changes (<see cref="StageStays"/>) written with the rows on SQLite
    /// and PostgreSQL, by a rebuild after them on SQL Server and for a customer whose stored changes are dated later.
    /// </summary>
    internal static async Task InsertChangeLogAsync(CrmDbContext db, IReadOnlyList<(int CustomerId, Domain.Common.FieldChange Change)> logs,
        string userId, DateTime now, CancellationToken ct)
    {
        IReadOnlyList<(string Column, object? Value)> same = [("UserId", userId), ("At", now), ("Origin", ImportService.Origin)];
        var stage = logs.Select((l, i) => (l.CustomerId, l.Change.Field, Index: i)).Where(l => l.Field == StageStays.Field).ToList();
        if (db.Database.IsSqlServer())
        {
            await InsertAsync(db, "ChangeLog", ["CustomerId", "Field", "OldValue", "NewValue"],
                logs.Select(l => new object?[] { l.CustomerId, l.Change.Field, Cap(l.Change.OldValue), Cap(l.Change.NewValue) }), same, ct);
            await StageStays.RebuildAsync(db, stage.Select(l => l.CustomerId), ct);
            return;
        }

        var (since, rebuild) = await StageStays.ForNewAsync(db, stage.Select(l => (l.CustomerId, now)).ToList(), ct);
        var sinceOf = new DateTime?[logs.Count];
        for (var i = 0; i < stage.Count; i++)
        {
            sinceOf[stage[i].Index] = since[i];
        }

        await InsertAsync(db, "ChangeLog", ["CustomerId", "Field", "OldValue", "NewValue", "StageSince"],
            logs.Select((l, i) => new object?[] { l.CustomerId, l.Change.Field, Cap(l.Change.OldValue), Cap(l.Change.NewValue), sinceOf[i] }), same, ct);
        await StageStays.RebuildAsync(db, rebuild, ct);
    }

    /// <summary>
    /// The writes that end a chunk (its change log, the import's batch items), for the import and its undo. On PostgreSQL
    /// they run while the next chunk's rows are applied to its customers, after that chunk's reads: the database works on
    /// one core, the import's own work on the other. Elsewhere they run at once: SQLite's writes are synchronous, and SQL
    /// Server's chunk goes through the context's change tracker, which the writes' queries would share. The connection is
    /// never used by two at a time: <see cref="StartDeferred"/> right before work that does not touch the database, then
    /// <see cref="EndAsync"/> (or <see cref="SettleAsync"/> when that work failed) before the next statement.
    /// </summary>
    internal sealed class ChunkTail(DbContext db, bool direct)
    {
        private readonly bool _overlap = direct && db.Database.IsNpgsql();
        private Func<Task>? _deferred;
        private Task _running = Task.CompletedTask;

        /// <summary>Runs <paramref name="write"/> now, or keeps it for <see cref="StartDeferred"/> (PostgreSQL).</summary>
        public Task WriteAsync(Func<Task> write)
        {
            if (!_overlap)
            {
                return write();
            }

            _deferred = write;
            return Task.CompletedTask;
        }

        /// <summary>Starts the kept write, if any, without waiting for it.</summary>
        public void StartDeferred()
        {
            _running = _deferred?.Invoke() ?? Task.CompletedTask;
            _deferred = null;
        }

        /// <summary>Waits for the started write (its failure included).</summary>
        public Task EndAsync() => _running;

        /// <summary>Lets the started write end, whatever its outcome, before a failure propagates and the transaction rolls back.</summary>
        public Task SettleAsync() => Task.WhenAny(_running);

        /// <summary>Runs the write still kept after the last chunk.</summary>
        public async Task FinishAsync()
        {
            StartDeferred();
            await EndAsync();
        }
    }

    internal static string? Cap(string? value) => value is { Length: > 2000 } ? value[..2000] : value;

    /// <summary>
    /// Inserts rows that need no id back (change log, batch items) inside the current transaction: on SQLite and
    /// PostgreSQL in one statement (a JSON array; a binary COPY), on SQL Server as multi-row INSERTs of 200 rows. The
    /// columns of <paramref name="same"/> take the same value in every row (sent once on SQLite).
    /// </summary>
    internal static async Task InsertAsync(CrmDbContext db, string table, string[] columns, IEnumerable<object?[]> rows,
        IReadOnlyList<(string Column, object? Value)> same, CancellationToken ct)
    {
        const int rowsPerStatement = 200; // 200 rows × up to 7 parameters stays under SQL Server's 2,100
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var head = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Concat(same.Select(s => s.Column)).Select(c => $"\"{c}\""))}) VALUES ";
        if (db.Database.IsSqlite())
        {
            // One statement for all the rows (see SqliteJsonRows).
            await SqliteJsonRows.InsertAsync(db, table, columns, rows, same, ct);
            return;
        }

        if (db.Database.IsNpgsql())
        {
            // Binary COPY into the table (see PostgresCopyRows).
            await PostgresCopyRows.InsertAsync(db, table, columns, rows, same, ct);
            return;
        }

        foreach (var chunk in rows.Chunk(rowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new System.Text.StringBuilder(head);
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Length; c++)
                {
                    var name = $"@p{r}_{c}";
                    sql.Append(c == 0 ? name : ", " + name);
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = chunk[r][c] ?? DBNull.Value;
                    command.Parameters.Add(parameter);
                }

                for (var s = 0; s < same.Count; s++)
                {
                    sql.Append($", @s{s}");
                }

                sql.Append(')');
            }

            for (var s = 0; s < same.Count; s++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@s{s}";
                parameter.Value = same[s].Value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
    }

}
