using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace CrmBlazor.Data;

/// <summary>
/// SQLite bulk writes: many rows in ONE statement, as a JSON array bound as one parameter and unpacked by jsonb_each,
/// inside the context's current transaction (jsonb_each, not json_each: each row's array comes out in SQLite's binary
/// form, so the row's "->>" lookups read it as it is instead of printing it as text and parsing it again for every
/// column: 70,000 customers 8.5 → 5.5 s). Binding a prepared statement per row costs more than SQLite's own work
/// (the driver looks every parameter up by name, for every row). Values are written in exactly the form
/// Microsoft.Data.Sqlite binds them (texts for dates, decimals; integers for booleans and enums), after EF Core's
/// value converters, so rows read back as if SaveChanges had written them.
/// </summary>
public static class SqliteJsonRows
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Inserts plain value rows (null, integers, booleans, strings, DateTime) into <paramref name="table"/>'s
    /// <paramref name="columns"/>; the columns of <paramref name="same"/> get the same value in every row, bound once
    /// instead of repeated in each row's JSON (the change log's user, time and origin: 220,000 rows 4.7 → 4.1 s).
    /// </summary>
    public static Task<int> InsertAsync(DbContext db, string table, IReadOnlyList<string> columns, IEnumerable<object?[]> rows,
        IReadOnlyList<(string Column, object? Value)> same, CancellationToken ct)
    {
        var json = Write(rows, (w, row) =>
        {
            foreach (var value in row)
            {
                WriteValue(w, value);
            }
        });
        if (json is null)
        {
            return Task.FromResult(0);
        }

        var names = columns.Concat(same.Select(s => s.Column)).Select(c => $"\"{c}\"");
        var values = columns.Select((_, i) => $"value ->> {i}").Concat(same.Select((_, i) => $"@same{i}"));
        return ExecuteAsync(db, $"INSERT INTO \"{table}\" ({string.Join(", ", names)}) SELECT {string.Join(", ", values)} FROM jsonb_each({Rows}) ORDER BY \"key\"",
            json, ct, same.Select(s => Primitive(s.Value)).ToArray());
    }

    /// <summary>
    /// Inserts entities of <typeparamref name="T"/> into its table (every mapped column; store-generated keys too when
    /// <paramref name="withGeneratedKey"/>).
    /// </summary>
    public static Task<int> InsertAsync<T>(DbContext db, IEnumerable<T> entities, bool withGeneratedKey, CancellationToken ct)
    {
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var properties = type.GetProperties().Where(p => withGeneratedKey || p.ValueGenerated == ValueGenerated.Never).ToArray();
        var converters = properties.Select(p => p.GetTypeMapping().Converter).ToArray();
        var json = Write(entities, (w, entity) =>
        {
            for (var i = 0; i < properties.Length; i++)
            {
                var value = properties[i].GetGetter().GetClrValue(entity!);
                WriteValue(w, value is not null && converters[i] is { } converter ? converter.ConvertToProvider(value) : value);
            }
        });
        var columns = properties.Select(p => $"\"{p.GetColumnName()}\"").ToList();
        return InsertRowsAsync(db, $"\"{type.GetTableName()}\"", columns, json, ct);
    }

    /// <summary>
    /// Updates <typeparamref name="T"/>'s table from one JSON array: for each entity, the columns of
    /// <paramref name="propertyNames"/> are set to its values where its key matches and the column of
    /// <paramref name="versionProperty"/> still holds <paramref name="expected"/>'s value (optimistic concurrency).
    /// Returns the number of rows changed: fewer than the entities means one changed meanwhile.
    /// </summary>
    public static Task<int> UpdateAsync<T>(DbContext db, IEnumerable<T> entities, IReadOnlyList<string> propertyNames, string versionProperty,
        Func<T, int> expected, CancellationToken ct)
    {
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var key = type.FindPrimaryKey()!.Properties.Single();
        var properties = propertyNames.Select(n => type.FindProperty(n) ?? throw new InvalidOperationException($"No property {n}.")).ToArray();
        var converters = properties.Select(p => p.GetTypeMapping().Converter).ToArray();
        var json = Write(entities, (w, entity) =>
        {
            WriteValue(w, key.GetGetter().GetClrValue(entity!));
            WriteValue(w, expected(entity));
            for (var i = 0; i < properties.Length; i++)
            {
                var value = properties[i].GetGetter().GetClrValue(entity!);
                WriteValue(w, value is not null && converters[i] is { } converter ? converter.ConvertToProvider(value) : value);
            }
        });
        if (json is null)
        {
            return Task.FromResult(0);
        }

        var table = $"\"{type.GetTableName()}\"";
        var version = $"\"{type.FindProperty(versionProperty)!.GetColumnName()}\"";
        var assignments = string.Join(", ", properties.Select((p, i) => $"\"{p.GetColumnName()}\" = j.value ->> {i + 2}"));
        return ExecuteAsync(db, $"UPDATE {table} SET {assignments} FROM jsonb_each({Rows}) AS j " +
                                $"WHERE {table}.\"{key.GetColumnName()}\" = j.value ->> 0 AND {table}.{version} = j.value ->> 1", json, ct);
    }

    private static PooledJson? Write<TRow>(IEnumerable<TRow> rows, Action<Utf8JsonWriter, TRow> write)
    {
        var buffer = new PooledJson();
        var count = 0;
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartArray();
                write(json, row);
                json.WriteEndArray();
                count++;
            }

            json.WriteEndArray();
        }

        if (count == 0)
        {
            buffer.Dispose();
            return null;
        }

        return buffer;
    }

    private static async Task<int> InsertRowsAsync(DbContext db, string into, IReadOnlyList<string> columns, PooledJson? json, CancellationToken ct)
    {
        if (json is null)
        {
            return 0;
        }

        return await ExecuteAsync(db, $"INSERT INTO {into} ({string.Join(", ", columns)}) " +
                                      $"SELECT {string.Join(", ", columns.Select((_, i) => $"value ->> {i}"))} FROM jsonb_each({Rows}) ORDER BY \"key\"", json, ct);
    }

    /// <summary>The JSON parameter as SQL: bound as the bytes of a pooled buffer (a blob), read as UTF-8 text.</summary>
    private const string Rows = "CAST(@rows AS TEXT)";

    private static async Task<int> ExecuteAsync(DbContext db, string text, PooledJson json, CancellationToken ct, object?[]? same = null)
    {
        using (json)
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = text;
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@rows";
            parameter.Value = json.Bytes();
            command.Parameters.Add(parameter);
            for (var i = 0; i < (same?.Length ?? 0); i++)
            {
                var value = command.CreateParameter();
                value.ParameterName = $"@same{i}";
                value.Value = same![i] ?? DBNull.Value;
                command.Parameters.Add(value);
            }

            return await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// The rows' JSON as UTF-8 in an array rented from the shared pool, bound as it is (SQLite copies a bound value).
    /// A chunk's JSON is hundreds of kilobytes: as a growing buffer, then a string, then the driver's UTF-8 copy of that
    /// string, every statement left several large-object-heap arrays behind, which only a full collection frees (managed
    /// heap peak of a 100,000-row import: 283 → 241 MB without them). A pooled array is longer than the JSON; the rest is filled with
    /// spaces, which JSON allows after the value, so the whole array can be bound without a trimmed copy.
    /// </summary>
    private sealed class PooledJson : IBufferWriter<byte>, IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _written;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(_written);
        }

        public byte[] Bytes()
        {
            _buffer.AsSpan(_written).Fill((byte)' ');
            return _buffer;
        }

        public void Dispose()
        {
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }
        }

        private void Ensure(int sizeHint)
        {
            if (_buffer.Length - _written >= Math.Max(sizeHint, 1))
            {
                return;
            }

            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
            _buffer.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    /// <summary>A value as Microsoft.Data.Sqlite would bind it: the JSON form whose ->> gives the same SQLite value.</summary>
    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (Primitive(value))
        {
            case null:
                json.WriteNullValue();
                break;
            case long number:
                json.WriteNumberValue(number);
                break;
            case string text:
                json.WriteStringValue(text);
                break;
        }
    }

    /// <summary>
    /// The SQLite value Microsoft.Data.Sqlite stores for <paramref name="value"/>, after EF Core's converters: null, an
    /// integer (also for booleans and enums) or a text (dates, decimals).
    /// </summary>
    private static object? Primitive(object? value) => value switch
    {
        null => null,
        bool b => b ? 1L : 0L,
        int or long or short or byte or sbyte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        Enum e => Convert.ToInt64(e, CultureInfo.InvariantCulture),
        string text => text,
        DateTime at => at.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString(@"yyyy\-MM\-dd", CultureInfo.InvariantCulture),
        decimal amount => amount.ToString(CultureInfo.InvariantCulture),
        // Reals, blobs, GUIDs…: not needed by the import; refuse rather than store them differently from EF Core.
        _ => throw new NotSupportedException($"No JSON form for {value.GetType().Name}."),
    };
}
