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
