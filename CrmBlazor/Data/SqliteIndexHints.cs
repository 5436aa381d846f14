using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmBlazor.Data;

/// <summary>
/// Lets a query tagged with <see cref="SearchTag"/> read customers through the narrow "IX_Customers_Live_Search" index
/// (Id, NameKey, OwnerId, IsDeleted over live customers) instead of the table. A quick search joins the trigram index's
/// matches to customers by Id; SQLite always looks an Id up in the table itself (about 1 KB a row), although sorting by
/// name and checking the owner's scope need only what this index holds: 50,000 matches of a common family name read
/// 50,000 table pages otherwise. SQLite has no cost-based way to prefer it, and EF Core no syntax for INDEXED BY, so the
/// tag asks this interceptor to add it. Only the outer customers of a query that keeps to live customers are hinted
/// (the partial index could not answer anything else).
/// </summary>
public sealed class SqliteIndexHints : DbCommandInterceptor
{
    public const string SearchTag = "crm:customers-by-search-index";
    public const string SearchIndex = "IX_Customers_Live_Search";

    private const string From = "FROM \"Customers\" AS \"c\"\n";
    private const string Live = "WHERE NOT (\"c\".\"IsDeleted\")";

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Rewrite(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Rewrite(command);
        return ValueTask.FromResult(result);
    }

    /// <summary>The command text with the hint, or unchanged when the query is not tagged or not of the expected shape.</summary>
    public static string Hint(string sql)
    {
        if (!sql.StartsWith("-- " + SearchTag, StringComparison.Ordinal))
        {
            return sql;
        }

        var from = sql.IndexOf(From, StringComparison.Ordinal);
        if (from < 0 || sql.IndexOf(Live, from, StringComparison.Ordinal) < 0)
        {
            return sql;
        }

        return string.Concat(sql.AsSpan(0, from), $"FROM \"Customers\" AS \"c\" INDEXED BY \"{SearchIndex}\"\n", sql.AsSpan(from + From.Length));
    }

    private static void Rewrite(DbCommand command) => command.CommandText = Hint(command.CommandText);
}
