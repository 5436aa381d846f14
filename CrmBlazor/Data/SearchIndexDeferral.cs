using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CrmBlazor.Data;

/// <summary>
/// SQLite: the customers' search indexes (FTS5, <see cref="CustomerSearchTables"/>) written once at the end of a large
/// write instead of by its insert and update triggers row by row. FTS5 flushes its pending terms at the end of every
/// statement that writes through a trigger, so a write in many statements leaves many small index segments to merge;
/// the same rows added in one statement after the customers cost a fraction of that. The two triggers are dropped
/// inside the writer's transaction and created again, from their own stored definitions, before it commits: other
/// connections never see the schema without them (SQLite's write transaction is exclusive, readers see the last
/// commit), and a rollback brings them back by itself. The delete trigger stays: deletes keep the index in step as they
/// go.
/// </summary>
public sealed class SearchIndexDeferral
{
    private static readonly string[] Deferred = ["Customers_SearchFts_Insert", "Customers_SearchFts_Update"];

    private static readonly System.Text.Json.JsonSerializerOptions RawText = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<string> _definitions;
    private readonly int _lastId;
    private readonly Dictionary<int, string> _indexed = [];
    private bool _finished;

    private SearchIndexDeferral(List<string> definitions, int lastId)
    {
        _definitions = definitions;
        _lastId = lastId;
    }

    /// <summary>
    /// Drops the triggers for the rest of the current transaction. <paramref name="lastId"/>: customers with a larger id
    /// are new in this transaction (the writer hands out ids after it), and go into the index at the end.
    /// </summary>
    public static async Task<SearchIndexDeferral> StartAsync(DbContext db, int lastId, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The search index can be deferred only inside a transaction.");
        }

        var definitions = await db.Database.SqlQueryRaw<string>(
            "SELECT \"sql\" AS \"Value\" FROM sqlite_master WHERE \"type\" = 'trigger' AND \"name\" IN ('Customers_SearchFts_Insert', 'Customers_SearchFts_Update')")
            .ToListAsync(ct);
        if (definitions.Count != Deferred.Length)
        {
            throw new InvalidOperationException("The search index's triggers are missing: the database is not migrated.");
        }

        foreach (var name in Deferred)
        {
            await ExecuteAsync(db, $"DROP TRIGGER \"{name}\"", ct);
        }

        return new SearchIndexDeferral(definitions, lastId);
    }

    /// <summary>
    /// An existing customer's search text is about to change from <paramref name="indexedText"/>; the first text noted is
    /// the one the index holds (later ones were never indexed). New customers need no note.
    /// </summary>
    public void TextChanging(int customerId, string indexedText)
    {
        if (customerId <= _lastId)
        {
            _indexed.TryAdd(customerId, indexedText);
        }
    }

    /// <summary>Brings the index up to date in bulk and creates the triggers again; call before the commit.</summary>
    public async Task FinishAsync(DbContext db, CancellationToken ct)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_indexed.Count > 0)
        {
            // Both indexes remove a row by the exact text they were given: the remembered text, whole and without its
            // first character (SQLite's substr, as the triggers compute it).
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText =
                $"INSERT INTO \"{CustomerSearchTables.Text}\"(\"{CustomerSearchTables.Text}\", rowid, \"SearchText\") " +
                "SELECT 'delete', value ->> 0, value ->> 1 FROM json_each(@rows) ORDER BY value ->> 0;\n" +
                $"INSERT INTO \"{CustomerSearchTables.Tail}\"(\"{CustomerSearchTables.Tail}\", rowid, \"SearchText\") " +
                $"SELECT 'delete', value ->> 0, {CustomerSearchTables.TailOf("value ->> 1")} FROM json_each(@rows) ORDER BY value ->> 0;\n" +
                CustomerSearchTables.AddRows("\"Id\" IN (SELECT value ->> 0 FROM json_each(@rows))");
            var rows = command.CreateParameter();
            rows.ParameterName = "@rows";
            rows.Value = System.Text.Json.JsonSerializer.Serialize(_indexed.Select(e => new object[] { e.Key, e.Value }), RawText);
            command.Parameters.Add(rows);
            await command.ExecuteNonQueryAsync(ct);
        }

        await ExecuteAsync(db, CustomerSearchTables.AddRows($"\"Id\" > {_lastId.ToString(System.Globalization.CultureInfo.InvariantCulture)}"), ct);
        foreach (var definition in _definitions)
        {
            await ExecuteAsync(db, definition, ct);
        }
    }

    private static async Task ExecuteAsync(DbContext db, string sql, CancellationToken ct)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
