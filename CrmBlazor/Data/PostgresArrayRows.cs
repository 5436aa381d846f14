using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CrmBlazor.Data;

/// <summary>
/// PostgreSQL bulk writes: many rows in ONE statement and one round trip, each column as one text[] parameter unpacked
/// by unnest and cast to the column's store type, inside the context's current transaction. A statement per row cost a
/// round trip per row (100,000 imported rows: over 80 s for what COPY does in 14). Values are written in the text form
/// PostgreSQL reads back as exactly what Npgsql would have sent (timestamps to the microsecond, as Npgsql truncates them).
/// </summary>
public static class PostgresArrayRows
{
    /// <summary>
    /// Inserts <paramref name="rows"/> into <typeparamref name="T"/>'s table (every mapped column; store-generated keys
    /// too when <paramref name="withGeneratedKey"/>). Each row's Override, when <paramref name="overridden"/> names a
    /// property, replaces that property's value (a foreign key the change tracker would otherwise have fixed up).
    /// </summary>
    public static async Task<int> InsertAsync<T>(DbContext db, IReadOnlyCollection<(T Entity, object? Override)> rows, bool withGeneratedKey,
        string? overridden, CancellationToken ct)
        where T : notnull
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        var type = Entity<T>(db);
        var properties = type.GetProperties().Where(p => withGeneratedKey || p.ValueGenerated == ValueGenerated.Never).ToArray();
        var arrays = properties.Select(p => Column(p, rows.Select(r => p.Name == overridden ? r.Override : p.GetGetter().GetClrValue(r.Entity)))).ToArray();
        var names = string.Join(", ", properties.Select(p => Quote(p.GetColumnName())));
        var casts = string.Join(", ", properties.Select((p, i) => $"u.c{i}{Cast(p)}"));
        return await ExecuteAsync(db, $"INSERT INTO {Quote(type.GetTableName()!)} ({names}) SELECT {casts} FROM {Unnest(arrays.Length)}", arrays, ct);
    }

    /// <summary>
    /// Inserts plain value rows (null, integers, booleans, strings, UTC DateTime) into <paramref name="columns"/> of the
    /// mapped table <paramref name="table"/>, each value cast to its column's store type; the columns of
    /// <paramref name="same"/> get one value for every row, sent once as a parameter instead of an array of copies.
    /// </summary>
    public static async Task<int> InsertAsync(DbContext db, string table, IReadOnlyList<string> columns, IEnumerable<object?[]> rows,
        IReadOnlyList<(string Column, object? Value)> same, CancellationToken ct)
    {
        var type = db.Model.GetEntityTypes().Single(e => e.GetTableName() == table);
        IProperty Property(string column) => type.GetProperties().Single(p => p.GetColumnName() == column);
        var properties = columns.Select(Property).ToArray();
        var constants = same.Select(s => (Property: Property(s.Column), s.Value)).ToArray();
        var values = properties.Select(_ => new List<string?>()).ToArray();
        foreach (var row in rows)
        {
            for (var i = 0; i < properties.Length; i++)
            {
                values[i].Add(Text(row[i], WithZone(properties[i])));
            }
        }

        if (values.Length == 0 || values[0].Count == 0)
        {
            return 0;
        }

        var names = string.Join(", ", properties.Concat(constants.Select(c => c.Property)).Select(p => Quote(p.GetColumnName())));
        var casts = string.Join(", ", properties.Select((p, i) => $"u.c{i}{Cast(p)}").Concat(constants.Select((c, i) => $"@s{i}{Cast(c.Property)}")));
        return await ExecuteAsync(db, $"INSERT INTO {Quote(table)} ({names}) SELECT {casts} FROM {Unnest(properties.Length)}",
            values.Select(v => v.ToArray()).ToArray(), ct, constants.Select(c => Text(c.Value, WithZone(c.Property))).ToArray());
    }

    /// <summary>
    /// Updates <typeparamref name="T"/>'s table: for each entity, the columns of <paramref name="propertyNames"/> are
    /// set to its values where its key matches and <paramref name="versionProperty"/> still holds <paramref name="expected"/>'s
    /// value. Returns the number of rows changed: fewer than the entities means one changed meanwhile.
    /// </summary>
    public static async Task<int> UpdateAsync<T>(DbContext db, IReadOnlyCollection<T> entities, IReadOnlyList<string> propertyNames, string versionProperty,
        Func<T, int> expected, CancellationToken ct)
        where T : notnull
    {
        if (entities.Count == 0)
        {
            return 0;
        }

        var type = Entity<T>(db);
        var key = type.FindPrimaryKey()!.Properties.Single();
        var version = type.FindProperty(versionProperty)!;
        var properties = propertyNames.Select(n => type.FindProperty(n) ?? throw new InvalidOperationException($"No property {n}.")).ToArray();
        var arrays = new List<string?[]>
        {
            Column(key, entities.Select(e => key.GetGetter().GetClrValue(e))),
            Column(version, entities.Select(e => (object?)expected(e))),
        };
        arrays.AddRange(properties.Select(p => Column(p, entities.Select(e => p.GetGetter().GetClrValue(e)))));
        var table = Quote(type.GetTableName()!);
        var assignments = string.Join(", ", properties.Select((p, i) => $"{Quote(p.GetColumnName())} = u.c{i + 2}{Cast(p)}"));
        return await ExecuteAsync(db, $"UPDATE {table} SET {assignments} FROM {Unnest(arrays.Count)} " +
                                      $"WHERE {table}.{Quote(key.GetColumnName())} = u.c0{Cast(key)} AND {table}.{Quote(version.GetColumnName())} = u.c1{Cast(version)}",
            arrays, ct);
    }

    private static IEntityType Entity<T>(DbContext db) =>
        db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private static string StoreType(IProperty property) => property.GetRelationalTypeMapping().StoreType;

    /// <summary>
    /// The cast from text to the column's type; none for text columns, whose assignment then checks their length as a
    /// parameter's would (an explicit cast to varchar(n) would cut the text silently).
    /// </summary>
    private static string Cast(IProperty property) =>
        (property.GetTypeMapping().Converter?.ProviderClrType ?? property.ClrType) == typeof(string) ? string.Empty : "::" + StoreType(property);

    private static string Unnest(int columns) =>
        $"unnest({string.Join(", ", Enumerable.Range(0, columns).Select(i => $"@a{i}"))}) AS u({string.Join(", ", Enumerable.Range(0, columns).Select(i => $"c{i}"))})";

    private static string?[] Column(IProperty property, IEnumerable<object?> values)
    {
        var converter = property.GetTypeMapping().Converter;
        var withZone = WithZone(property);
        return values.Select(v => Text(v is not null && converter is not null ? converter.ConvertToProvider(v) : v, withZone)).ToArray();
    }

    private static bool WithZone(IProperty property) =>
        StoreType(property).StartsWith("timestamp with time zone", StringComparison.Ordinal) || StoreType(property) == "timestamptz";

    /// <summary>A value in the text form whose cast to the column's type gives what Npgsql would have stored.</summary>
    internal static string? Text(object? value, bool withZone) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        Enum e => Convert.ToInt64(e, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        int or long or short or byte or sbyte or ushort or uint or decimal => Convert.ToString(value, CultureInfo.InvariantCulture),
        DateTime at when withZone => at.Kind == DateTimeKind.Utc
            ? at.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.ffffff", CultureInfo.InvariantCulture) + "+00"
            : throw new NotSupportedException("A 'timestamp with time zone' takes UTC DateTimes only (as Npgsql)."),
        DateTime at => at.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.ffffff", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString(@"yyyy\-MM\-dd", CultureInfo.InvariantCulture),
        Guid id => id.ToString(),
        // Reals, blobs…: not needed by the import; refuse rather than store them differently from EF Core.
        _ => throw new NotSupportedException($"No text form for {value.GetType().Name}."),
    };

    private static async Task<int> ExecuteAsync(DbContext db, string text, IReadOnlyList<string?[]> arrays, CancellationToken ct, string?[]? same = null)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = text;
        for (var i = 0; i < arrays.Count; i++)
        {
            command.Parameters.Add(new NpgsqlParameter($"a{i}", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = arrays[i] });
        }

        // Values every row shares: one text parameter each, cast like the columns.
        for (var i = 0; i < (same?.Length ?? 0); i++)
        {
            command.Parameters.Add(new NpgsqlParameter($"s{i}", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)same![i] ?? DBNull.Value });
        }

        return await command.ExecuteNonQueryAsync(ct);
    }
}
