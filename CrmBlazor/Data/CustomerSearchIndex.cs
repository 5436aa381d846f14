using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Data;

/// <summary>
/// A row of SQLite's FTS5 trigram index over Customers.SearchText ("CustomerSearchFts", kept in step by triggers).
/// It answers LIKE '%…%' from the index instead of scanning every customer. PostgreSQL gets the same from a pg_trgm
/// GIN index on the column itself, so this entity exists only in the SQLite model.
/// </summary>
public sealed class CustomerSearchIndexRow
{
    public int RowId { get; private set; }
    public string SearchText { get; private set; } = string.Empty;

    internal static void Configure(ModelBuilder builder) =>
        builder.Entity<CustomerSearchIndexRow>(b =>
        {
            b.HasNoKey();
            b.ToTable("CustomerSearchFts", t => t.ExcludeFromMigrations());
            b.Property(r => r.RowId).HasColumnName("rowid");
        });
}

/// <summary>
/// SQLite's two trigram indexes over Customers.SearchText and the statements that write them in bulk, shared by the
/// deferred writes of an import and the import floor of the benchmarks; row by row, the triggers of migration
/// SearchTailIndex write the same rows.
/// "CustomerSearchFts" indexes the whole text (external content: Customers). "CustomerSearchTailFts" indexes the text
/// without its first character (contentless): a fragment found there sits anywhere but at the start, which the grid's
/// quick search sorted by name needs apart from the names that start with it (those come from the name index). Asking
/// the whole-text index for "phrase NOT ^phrase" instead walks every customer holding the phrase at the start (a common
/// family name: tens of thousands of them, usually none a match).
/// </summary>
public static class CustomerSearchTables
{
    public const string Text = "CustomerSearchFts";
    public const string Tail = "CustomerSearchTailFts";

    /// <summary>What the tail index holds for a search text (SQL, over the expression <paramref name="text"/>).</summary>
    public static string TailOf(string text) => $"substr({text}, 2)";

    /// <summary>Adds both indexes' rows for the customers <paramref name="where"/> selects (SQL over "Customers").</summary>
    public static string AddRows(string where) =>
        $"INSERT INTO \"{Text}\"(rowid, \"SearchText\") SELECT \"Id\", \"SearchText\" FROM \"Customers\" WHERE {where} ORDER BY \"Id\";\n" +
        $"INSERT INTO \"{Tail}\"(rowid, \"SearchText\") SELECT \"Id\", {TailOf("\"SearchText\"")} FROM \"Customers\" WHERE {where} ORDER BY \"Id\";";

    /// <summary>Removes both indexes' rows for the customers <paramref name="where"/> selects, while their search text
    /// is still the one indexed (both indexes remove a row by the exact text they were given).</summary>
    public static string RemoveRows(string where) =>
        $"INSERT INTO \"{Text}\"(\"{Text}\", rowid, \"SearchText\") SELECT 'delete', \"Id\", \"SearchText\" FROM \"Customers\" WHERE {where};\n" +
        $"INSERT INTO \"{Tail}\"(\"{Tail}\", rowid, \"SearchText\") SELECT 'delete', \"Id\", {TailOf("\"SearchText\"")} FROM \"Customers\" WHERE {where};";
}
