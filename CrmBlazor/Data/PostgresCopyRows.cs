using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace CrmBlazor.Data;

/// <summary>
/// PostgreSQL bulk inserts by binary COPY into the table itself, inside the context's current transaction (COPY belongs to
/// the connection, so it joins the open transaction): no SQL to parse per row and no text to cast, which is how
/// PostgreSQL loads rows fastest. Values go through EF Core's value converters and are written with each column's store
/// type, so they read back as if SaveChanges had written them; a text longer than its column fails the COPY, and the
/// transaction with it, as a parameter would. Rows that need ids back, or a conflict clause, are not for COPY.
/// </summary>
public static class PostgresCopyRows
{
    /// <summary>
    /// Inserts entities of <typeparamref name="T"/> (every mapped column; store-generated keys too when
    /// <paramref name="withGeneratedKey"/>, which the caller has then set). Each row's Override replaces the value of the
    /// property <paramref name="overridden"/> names (a foreign key the change tracker would otherwise have fixed up).
    /// </summary>
    public static async Task<int> InsertAsync<T>(DbContext db, IReadOnlyCollection<(T Entity, object? Override)> rows, bool withGeneratedKey,
        string? overridden, CancellationToken ct)
        where T : notnull
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var properties = type.GetProperties().Where(p => withGeneratedKey || p.ValueGenerated == ValueGenerated.Never).ToArray();
        return await CopyAsync(db, type.GetTableName()!, properties, rows.Select(r =>
            properties.Select(p => p.Name == overridden ? r.Override : p.GetGetter().GetClrValue(r.Entity)).ToArray()), ct);
    }

    /// <summary>
    /// Inserts plain value rows into <paramref name="columns"/> of the mapped table <paramref name="table"/>; the columns
    /// of <paramref name="same"/> take the same value in every row.
    /// </summary>
    public static Task<int> InsertAsync(DbContext db, string table, IReadOnlyList<string> columns, IEnumerable<object?[]> rows,
        IReadOnlyList<(string Column, object? Value)> same, CancellationToken ct)
    {
        var type = db.Model.GetEntityTypes().Single(e => e.GetTableName() == table);
        IProperty Property(string column) => type.GetProperties().Single(p => p.GetColumnName() == column);
        var properties = columns.Concat(same.Select(s => s.Column)).Select(Property).ToArray();
        var constants = same.Select(s => s.Value).ToArray();
        return CopyAsync(db, table, properties, rows.Select(r => constants.Length == 0 ? r : [.. r, .. constants]), ct);
    }

    private static async Task<int> CopyAsync(DbContext db, string table, IProperty[] properties, IEnumerable<object?[]> rows, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var converters = properties.Select(p => p.GetTypeMapping().Converter).ToArray();
        // The store type without its length or precision ("character varying(200)" is written as "character varying").
        var types = properties.Select(p => p.GetRelationalTypeMapping().StoreType.Split('(')[0]).ToArray();
        var count = 0;
        await using (var importer = await connection.BeginBinaryImportAsync(
                         $"COPY {Quote(table)} ({string.Join(", ", properties.Select(p => Quote(p.GetColumnName())))}) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(ct);
                for (var i = 0; i < properties.Length; i++)
                {
                    var value = row[i] is { } v && converters[i] is { } converter ? converter.ConvertToProvider(v) : row[i];
                    if (value is null)
                    {
                        await importer.WriteNullAsync(ct);
                    }
                    else
                    {
                        await importer.WriteAsync(value, types[i], ct);
                    }
                }

                count++;
            }

            await importer.CompleteAsync(ct);
        }

        return count;
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
