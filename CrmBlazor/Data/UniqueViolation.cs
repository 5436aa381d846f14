using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrmBlazor.Data;

/// <summary>Tells a save refused by a unique index from other failures, on SQLite and PostgreSQL.</summary>
public static class UniqueViolation
{
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintUnique = 2067;

    /// <summary>
    /// Whether <paramref name="ex"/> is a unique index's refusal that concerns <paramref name="column"/>: PostgreSQL names the
    /// index ("IX_Customers_Code"), SQLite the columns ("UNIQUE constraint failed: Customers.Code").
    /// </summary>
    public static bool IsOn(DbUpdateException ex, string column) => ex.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation
                                && (pg.ConstraintName?.EndsWith("_" + column, StringComparison.Ordinal) ?? false),
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteConstraint && sqlite.SqliteExtendedErrorCode == SqliteConstraintUnique
                                  && sqlite.Message.Contains("." + column, StringComparison.Ordinal),
        _ => false,
    };
}
