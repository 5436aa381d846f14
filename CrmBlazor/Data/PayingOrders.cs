using System.Globalization;
using CrmBlazor.Domain.Orders;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Data;

/// <summary>
/// The place of each paying order (not cancelled, something paid: R4.4's value counts it) among its customer's paying
/// orders by date, then id: 1 for the first, 2 for the second…; null for an order that is not paying. Kept in the orders'
/// shadow column <see cref="Column"/>, so "bought once or again by a day" (R8.1) counts the first and second orders dated
/// by then from an index instead of grouping every order of every customer. The date of each customer's first paying order
/// is kept on the customer beside it (<see cref="FirstPaidSql"/>), so conversion reads it with the new customers.
/// <para>
/// Kept exact by: every SaveChanges of <see cref="CrmDbContext"/> that adds, changes or deletes orders ranks their customers'
/// orders again in the same transaction (<see cref="SaveAsync"/>), after taking those customers' rows, so two writes to one
/// customer's orders rank one after the other; <see cref="RebuildAsync"/> after SQL that moves or deletes orders (an order's
/// deletion, merge, unmerge). The migration that added the column ran <see cref="RebuildSql"/> over every customer.
/// </para>
/// </summary>
public static class PayingOrders
{
    /// <summary>The shadow property and column of the rank.</summary>
    public const string Column = "PayingRank";

    private const int Chunk = 500;

    /// <summary>Saves <paramref name="db"/>'s changes; when they touch orders, ranks those customers' orders again with them.</summary>
    internal static async Task<int> SaveAsync(CrmDbContext db, Func<Task<int>> save, CancellationToken ct)
    {
        var customers = Touched(db);
        if (customers.Count == 0)
        {
            return await save();
        }

        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            await LockAsync(db, customers, ct);
            var saved = await save();
            await RebuildAsync(db, customers, ct);
            if (own is not null)
            {
                await own.CommitAsync(ct);
            }

            return saved;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    /// <inheritdoc cref="SaveAsync"/>
    internal static int Save(CrmDbContext db, Func<int> save)
    {
        var customers = Touched(db);
        if (customers.Count == 0)
        {
            return save();
        }

        using var own = db.Database.CurrentTransaction is null ? db.Database.BeginTransaction() : null;
        Lock(db, customers);
        var saved = save();
        foreach (var sql in Statements(db.Database.ProviderName!, customers))
        {
            db.Database.ExecuteSqlRaw(sql);
        }

        own?.Commit();
        return saved;
    }

    /// <summary>
    /// Runs <paramref name="write"/>, SQL that moves or deletes orders of <paramref name="customers"/>, between taking those
    /// customers' rows and ranking their orders again (in the caller's transaction).
    /// </summary>
    public static async Task<T> WriteAsync<T>(CrmDbContext db, IReadOnlyCollection<int> customers, Func<Task<T>> write, CancellationToken ct)
    {
        var ids = customers.Distinct().ToList();
        await LockAsync(db, ids, ct);
        var result = await write();
        await RebuildAsync(db, ids, ct);
        return result;
    }

    /// <summary>Ranks the orders of <paramref name="customerIds"/> again from their rows, or every customer's when null.</summary>
    public static async Task RebuildAsync(CrmDbContext db, IEnumerable<int>? customerIds, CancellationToken ct = default)
    {
        foreach (var sql in Statements(db.Database.ProviderName!, customerIds))
        {
            await db.Database.ExecuteSqlRawAsync(sql, ct);
        }
    }

    /// <summary>
    /// One statement that sets the rank of every order (of the given customers, or of all) from the orders: a window over
    /// each customer's paying orders by date and id. Rows already right are not written. <paramref name="provider"/> is EF
    /// Core's provider name (a migration's ActiveProvider).
    /// </summary>
    public static string RebuildSql(string provider, IReadOnlyCollection<int>? customerIds)
    {
        // SQLite keeps decimals as text: compared as numbers only once cast.
        var paid = provider.Contains("Sqlite", StringComparison.Ordinal) ? "CAST(o.\"AmountPaid\" AS REAL)" : "o.\"AmountPaid\"";
        var paying = $"o.\"Status\" <> {(int)OrderStatus.Cancelled} AND {paid} > 0";
        var only = customerIds is null ? string.Empty
            : $" WHERE o.\"CustomerId\" IN ({string.Join(',', customerIds.Select(id => id.ToString(CultureInfo.InvariantCulture)))})";
        var ranks = $"""
            SELECT o."Id", CASE WHEN {paying} THEN ROW_NUMBER() OVER (PARTITION BY o."CustomerId", CASE WHEN {paying} THEN 1 ELSE 0 END
                ORDER BY o."OrderDate", o."Id") END AS "Rank"
            FROM "Orders" AS o{only}
            """;
        string Differs(string row) =>
            $"({row}.\"{Column}\" <> r.\"Rank\" OR ({row}.\"{Column}\" IS NULL AND r.\"Rank\" IS NOT NULL) OR ({row}.\"{Column}\" IS NOT NULL AND r.\"Rank\" IS NULL))";
        return provider.Contains("SqlServer", StringComparison.Ordinal)
            ? $"""
                UPDATE l SET "{Column}" = r."Rank"
                FROM "Orders" AS l INNER JOIN ({ranks}) AS r ON l."Id" = r."Id"
                WHERE {Differs("l")};
                """
            : $"""
                UPDATE "Orders" SET "{Column}" = r."Rank"
                FROM ({ranks}) AS r
                WHERE "Orders"."Id" = r."Id" AND {Differs("\"Orders\"")};
                """;
    }

    /// <summary>
    /// One statement that sets each customer's <see cref="Domain.Customers.Customer.FirstPaidOn"/> (of the given customers, or of
    /// all) to the date of its order ranked first, null without one; rows already right are not written. Runs after
    /// <see cref="RebuildSql"/>, whose ranks it reads.
    /// </summary>
    public static string FirstPaidSql(string provider, IReadOnlyCollection<int>? customerIds)
    {
        var first = $"(SELECT o.\"OrderDate\" FROM \"Orders\" AS o WHERE o.\"CustomerId\" = \"Customers\".\"Id\" AND o.\"{Column}\" = 1)";
        var only = customerIds is null ? string.Empty
            : $"\"Id\" IN ({string.Join(',', customerIds.Select(id => id.ToString(CultureInfo.InvariantCulture)))}) AND ";
        const string Kept = "\"FirstPaidOn\"";
        return $"""
            UPDATE "Customers" SET {Kept} = {first}
            WHERE {only}({Kept} <> {first} OR ({Kept} IS NULL AND {first} IS NOT NULL) OR ({Kept} IS NOT NULL AND {first} IS NULL));
            """;
    }

    private static IEnumerable<string> Statements(string provider, IEnumerable<int>? customerIds) =>
        customerIds is null
            ? [RebuildSql(provider, null), FirstPaidSql(provider, null)]
            : customerIds.Distinct().Order().Chunk(Chunk).SelectMany(c => new[] { RebuildSql(provider, c), FirstPaidSql(provider, c) });

    /// <summary>The customers whose orders this save adds, changes or deletes (both customers of an order moved between them);
    /// the changes already detected.</summary>
    private static List<int> Touched(CrmDbContext db) =>
        db.ChangeTracker.Entries<Order>()
            .Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            .SelectMany(e => new[] { e.Entity.CustomerId, e.Property(o => o.CustomerId).OriginalValue })
            .Distinct()
            .ToList();

    /// <summary>
    /// Takes the customers' rows (a write that changes nothing) before their orders are written: writers of one customer's
    /// orders then wait for each other there, each ranking what the one before committed, and never hold an order the
    /// other needs.
    /// </summary>
    private static Task LockAsync(CrmDbContext db, List<int> customers, CancellationToken ct) =>
        db.Customers.Where(c => customers.Contains(c.Id)).ExecuteUpdateAsync(u => u.SetProperty(c => c.TotalPaid, c => c.TotalPaid), ct);

    private static void Lock(CrmDbContext db, List<int> customers) =>
        db.Customers.Where(c => customers.Contains(c.Id)).ExecuteUpdate(u => u.SetProperty(c => c.TotalPaid, c => c.TotalPaid));
}
