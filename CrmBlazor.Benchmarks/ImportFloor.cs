using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CrmBlazor.Data;
using Microsoft.Data.Sqlite;
using Npgsql;
using SQLitePCL;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// The floor of an import (or its undo): exactly the rows the product's write changed — read back from the database after
/// it, compared with the database before it — written again into a fresh copy of the before state by the database's own
/// fastest path, with nothing of the product around it. Same rows, same schema, same indexes and constraints.
/// SQLite: one transaction, a 256 MB page cache, prepared multi-row INSERTs and prepared UPDATEs (only the columns that
/// differ), the search index's triggers off and its rows written in bulk after the customers. PostgreSQL: one
/// transaction, binary COPY into the tables, updated rows COPYed into a temporary table and applied by one UPDATE … FROM.
/// </summary>
internal static class ImportFloor
{
    /// <summary>The tables an import and its undo write, parents first (inserts in this order, deletes in reverse).</summary>
    private static readonly (string Table, string[] Key, string Filter)[] Tables =
    [
        ("Customers", ["Id"], "\"Id\""),
        ("Contacts", ["Id"], "\"CustomerId\""),
        ("CustomerGroupMembers", ["CustomerId", "GroupId"], "\"CustomerId\""),
        ("CustomFieldValues", ["CustomerId", "FieldId"], "\"CustomerId\""),
        ("ChangeLog", ["Id"], "\"CustomerId\""),
        ("ImportBatches", ["Id"], "\"Id\""),
        ("ImportBatchItems", ["Id"], "\"BatchId\""),
    ];

    /// <summary>One table's difference: rows to insert, rows to update (with the columns that differ) and keys to delete.</summary>
    internal sealed record TableChanges(string Table, string[] Columns, string[] DataTypes, int[] Key, List<object?[]> Inserts,
        List<(object?[] Row, int[] Changed)> Updates, List<object?[]> Deletes);

    /// <summary>What a write changed; <see cref="SearchTextChanged"/>: the customers whose search text is new, changed or gone.</summary>
    internal sealed record WriteSet(List<TableChanges> Tables, int[] SearchTextChanged, int[] SearchTextGone, int[] SearchTextNew)
    {
        public int Rows => Tables.Sum(t => t.Inserts.Count + t.Updates.Count + t.Deletes.Count);

        public string Describe() => string.Join(", ", Tables.Where(t => t.Inserts.Count + t.Updates.Count + t.Deletes.Count > 0)
            .Select(t => $"{t.Table} +{t.Inserts.Count:N0}/~{t.Updates.Count:N0}/-{t.Deletes.Count:N0}"));
    }

    /// <summary>
    /// The rows that differ between <paramref name="before"/> and <paramref name="after"/> in the tables an import writes,
    /// for the customers of import batch <paramref name="batchId"/> (what the import and its undo can touch).
    /// </summary>
    public static async Task<WriteSet> DiffAsync(DbConnection before, DbConnection after, int batchId)
    {
        var customers = new HashSet<long>();
        foreach (var connection in new[] { before, after })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT \"CustomerId\" FROM \"ImportBatchItems\" WHERE \"BatchId\" = {batchId}";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                customers.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        var ids = customers.Order().ToArray();
        var tables = new List<TableChanges>();
        var gone = new List<int>();
        var added = new List<int>();
        var changedText = new List<int>();
        foreach (var (table, key, filter) in Tables)
        {
            var (columns, types, old) = await ReadAsync(before, table, key, filter, filter == "\"BatchId\"" || table == "ImportBatches" ? [batchId] : ids);
            var (_, _, now) = await ReadAsync(after, table, key, filter, filter == "\"BatchId\"" || table == "ImportBatches" ? [batchId] : ids);
            var keyIndexes = key.Select(k => Array.IndexOf(columns, k)).ToArray();
            var changes = new TableChanges(table, columns, types, keyIndexes, [], [], []);
            var searchText = Array.IndexOf(columns, "SearchText");
            foreach (var (k, row) in now)
            {
                if (!old.TryGetValue(k, out var was))
                {
                    changes.Inserts.Add(row);
                    if (table == "Customers")
                    {
                        added.Add(Convert.ToInt32(row[keyIndexes[0]], CultureInfo.InvariantCulture));
                    }

                    continue;
                }

                var differ = Enumerable.Range(0, columns.Length).Where(i => !Equals(was[i], row[i])).ToArray();
                if (differ.Length > 0)
                {
                    changes.Updates.Add((row, differ));
                    if (table == "Customers" && differ.Contains(searchText))
                    {
                        changedText.Add(Convert.ToInt32(row[keyIndexes[0]], CultureInfo.InvariantCulture));
                    }
                }
            }

            foreach (var (k, row) in old.Where(o => !now.ContainsKey(o.Key)))
            {
                changes.Deletes.Add(keyIndexes.Select(i => row[i]).ToArray());
                if (table == "Customers")
                {
                    gone.Add(Convert.ToInt32(row[keyIndexes[0]], CultureInfo.InvariantCulture));
                }
            }

            tables.Add(changes);
        }

        return new WriteSet(tables, [.. changedText], [.. gone], [.. added]);
    }

    private static async Task<(string[] Columns, string[] Types, Dictionary<string, object?[]> Rows)> ReadAsync(DbConnection connection, string table,
        string[] key, string filter, IReadOnlyList<long> ids)
    {
        var rows = new Dictionary<string, object?[]>();
        string[] columns = [], types = [];
        foreach (var chunk in ids.Chunk(5000).DefaultIfEmpty([]))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" WHERE {filter} IN ({(chunk.Length == 0 ? "NULL" : string.Join(',', chunk))})";
            await using var reader = await command.ExecuteReaderAsync();
            columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            // PostgreSQL names types with their modifiers ("character varying(200)"); COPY wants the bare name.
            types = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetDataTypeName(i).Split('(')[0]).ToArray();
            var keyIndexes = key.Select(k => Array.IndexOf(columns, k)).ToArray();
            while (await reader.ReadAsync())
            {
                var row = new object?[reader.FieldCount];
                reader.GetValues(row!);
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = row[i] is DBNull ? null : row[i];
                }

                rows[string.Join('|', keyIndexes.Select(i => row[i]))] = row;
            }
        }

        return (columns, types, rows);
    }

    private static string Quote(string name) => $"\"{name}\"";

    private static string KeyList(TableChanges t, IEnumerable<object?[]> keys) => t.Key.Length == 1
        ? $"{Quote(t.Columns[t.Key[0]])} IN ({string.Join(',', keys.Select(k => Convert.ToString(k[0], CultureInfo.InvariantCulture)))})"
        : $"({string.Join(", ", t.Key.Select(i => Quote(t.Columns[i])))}) IN (VALUES {string.Join(", ", keys.Select(k => "(" + string.Join(", ", k.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))) + ")"))})";

    /// <summary>SQLite: the write set in one transaction, tuned as far as plain SQL goes; milliseconds including the commit.</summary>
    public static async Task<double> ApplySqliteAsync(string file, WriteSet set)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await ExecAsync(connection, null, "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-262144; PRAGMA wal_autocheckpoint=0;");
        var watch = Stopwatch.StartNew();
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        // The search index's triggers off for the write (the schema change is part of the transaction), its rows in bulk.
        var triggers = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "SELECT \"sql\" FROM sqlite_master WHERE type = 'trigger' AND \"name\" LIKE 'Customers_SearchFts_%'";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                triggers.Add(reader.GetString(0));
            }
        }

        await ExecAsync(connection, tx, "DROP TRIGGER \"Customers_SearchFts_Insert\"; DROP TRIGGER \"Customers_SearchFts_Update\"; DROP TRIGGER \"Customers_SearchFts_Delete\";");
        var outOfIndex = set.SearchTextGone.Concat(set.SearchTextChanged).ToArray();
        if (outOfIndex.Length > 0)
        {
            await ExecAsync(connection, tx, CustomerSearchTables.RemoveRows($"\"Id\" IN ({string.Join(',', outOfIndex)})"));
        }

        foreach (var t in Enumerable.Reverse(set.Tables).Where(t => t.Deletes.Count > 0))
        {
            foreach (var chunk in t.Deletes.Chunk(10_000))
            {
                await ExecAsync(connection, tx, $"DELETE FROM {Quote(t.Table)} WHERE {KeyList(t, chunk)}");
            }
        }

        foreach (var t in set.Tables)
        {
            await InsertSqliteAsync(connection, t);
            UpdateSqlite(connection, t);
        }

        var intoIndex = set.SearchTextNew.Concat(set.SearchTextChanged).ToArray();
        if (intoIndex.Length > 0)
        {
            await ExecAsync(connection, tx, CustomerSearchTables.AddRows($"\"Id\" IN ({string.Join(',', intoIndex.Order())})"));
        }

        foreach (var trigger in triggers)
        {
            await ExecAsync(connection, tx, trigger);
        }

        await tx.CommitAsync();
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>
    /// Inserts through SQLite's own API: a multi-row INSERT prepared once, its parameters bound by position (the ADO.NET
    /// driver looks each parameter up by name, which for a statement of thousands of parameters costs more than SQLite's
    /// work).
    /// </summary>
    private static Task InsertSqliteAsync(SqliteConnection connection, TableChanges t)
    {
        var perStatement = Math.Max(1, Math.Min(100, 32_000 / t.Columns.Length));
        var head = $"INSERT INTO {Quote(t.Table)} ({string.Join(", ", t.Columns.Select(Quote))}) VALUES ";
        string Values(int rows) => string.Join(", ", Enumerable.Repeat("(" + string.Join(", ", t.Columns.Select(_ => "?")) + ")", rows));
        sqlite3_stmt? full = null;
        try
        {
            foreach (var chunk in t.Inserts.Chunk(perStatement))
            {
                var statement = chunk.Length == perStatement && full is not null ? full : Prepare(connection, head + Values(chunk.Length));
                var p = 1;
                foreach (var row in chunk)
                {
                    foreach (var value in row)
                    {
                        Bind(statement, p++, value);
                    }
                }

                Step(connection, statement);
                if (chunk.Length == perStatement)
                {
                    full = statement;
                }
                else
                {
                    raw.sqlite3_finalize(statement);
                }
            }
        }
        finally
        {
            if (full is not null)
            {
                raw.sqlite3_finalize(full);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>SQLite updates through its own API: a statement per set of differing columns, prepared once, executed per row.</summary>
    private static void UpdateSqlite(SqliteConnection connection, TableChanges t)
    {
        foreach (var group in t.Updates.GroupBy(u => string.Join(',', u.Changed)))
        {
            var changed = group.First().Changed;
            var statement = Prepare(connection, $"UPDATE {Quote(t.Table)} SET {string.Join(", ", changed.Select(i => $"{Quote(t.Columns[i])} = ?"))} " +
                                                $"WHERE {string.Join(" AND ", t.Key.Select(i => $"{Quote(t.Columns[i])} = ?"))}");
            try
            {
                var used = changed.Concat(t.Key).ToArray();
                foreach (var (row, _) in group)
                {
                    for (var p = 0; p < used.Length; p++)
                    {
                        Bind(statement, p + 1, row[used[p]]);
                    }

                    Step(connection, statement);
                }
            }
            finally
            {
                raw.sqlite3_finalize(statement);
            }
        }
    }

    private static sqlite3_stmt Prepare(SqliteConnection connection, string sql)
    {
        if (raw.sqlite3_prepare_v2(connection.Handle, sql, out var statement) != raw.SQLITE_OK)
        {
            throw new InvalidOperationException(raw.sqlite3_errmsg(connection.Handle).utf8_to_string());
        }

        return statement;
    }

    private static void Bind(sqlite3_stmt statement, int index, object? value)
    {
        var rc = value switch
        {
            null => raw.sqlite3_bind_null(statement, index),
            long number => raw.sqlite3_bind_int64(statement, index, number),
            double real => raw.sqlite3_bind_double(statement, index, real),
            string text => raw.sqlite3_bind_text(statement, index, text),
            byte[] blob => raw.sqlite3_bind_blob(statement, index, blob),
            _ => throw new NotSupportedException(value.GetType().Name),
        };
        if (rc != raw.SQLITE_OK)
        {
            throw new InvalidOperationException($"bind {index}: {rc}");
        }
    }

    private static void Step(SqliteConnection connection, sqlite3_stmt statement)
    {
        if (raw.sqlite3_step(statement) != raw.SQLITE_DONE)
        {
            throw new InvalidOperationException(raw.sqlite3_errmsg(connection.Handle).utf8_to_string());
        }

        raw.sqlite3_reset(statement);
    }

    /// <summary>PostgreSQL: the write set in one transaction by binary COPY; milliseconds including the commit.</summary>
    public static async Task<double> ApplyPostgresAsync(string connectionString, WriteSet set)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var watch = Stopwatch.StartNew();
        await using var tx = await connection.BeginTransactionAsync();
        foreach (var t in Enumerable.Reverse(set.Tables).Where(t => t.Deletes.Count > 0))
        {
            foreach (var chunk in t.Deletes.Chunk(10_000))
            {
                await ExecAsync(connection, tx, $"DELETE FROM {Quote(t.Table)} WHERE {KeyList(t, chunk)}");
            }
        }

        foreach (var t in set.Tables)
        {
            if (t.Inserts.Count > 0)
            {
                await CopyAsync(connection, Quote(t.Table), t, t.Inserts);
            }

            if (t.Updates.Count > 0)
            {
                // Every differing column of the table's updated rows, from a temporary copy, in one statement.
                var changed = t.Updates.SelectMany(u => u.Changed).Distinct().Order().ToArray();
                var temp = Quote("floor_" + t.Table);
                await ExecAsync(connection, tx, $"CREATE TEMPORARY TABLE {temp} (LIKE {Quote(t.Table)}) ON COMMIT DROP");
                await CopyAsync(connection, temp, t, t.Updates.Select(u => u.Row).ToList());
                await ExecAsync(connection, tx, $"UPDATE {Quote(t.Table)} AS t SET {string.Join(", ", changed.Select(i => $"{Quote(t.Columns[i])} = u.{Quote(t.Columns[i])}"))} " +
                                                $"FROM {temp} AS u WHERE {string.Join(" AND ", t.Key.Select(i => $"t.{Quote(t.Columns[i])} = u.{Quote(t.Columns[i])}"))}");
            }
        }

        await tx.CommitAsync();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string into, TableChanges t, IReadOnlyList<object?[]> rows)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {into} ({string.Join(", ", t.Columns.Select(Quote))}) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
        {
            await importer.StartRowAsync();
            for (var c = 0; c < row.Length; c++)
            {
                if (row[c] is null)
                {
                    await importer.WriteNullAsync();
                }
                else
                {
                    await importer.WriteAsync(row[c], t.DataTypes[c]);
                }
            }
        }

        await importer.CompleteAsync();
    }

    private static async Task ExecAsync(DbConnection connection, DbTransaction? tx, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
