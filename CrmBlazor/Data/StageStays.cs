using System.Globalization;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Data;

/// <summary>
/// The start of the stay each stage change ends (<see cref="ChangeLogEntry.StageSince"/>): the customer's previous stage
/// change in (At, Id) order, or the customer's creation. The reports' pipeline movement (R8) reads a period's stage changes
/// with their stays from one index range instead of looking up every change's predecessor.
/// <para>
/// Kept exact by: <see cref="Stamp"/>, run by every SaveChanges of <see cref="CrmDbContext"/> for the stage changes it adds
/// (every screen, the API, bulk actions, automation, undo); <see cref="RebuildAsync"/> for the customers whose log is written
/// by SQL (import and its undo) or moved between customers (merge, unmerge). The migration that added the column ran the
/// same <see cref="RebuildSql"/> over every customer.
/// </para>
/// </summary>
public static class StageStays
{
    /// <summary>The change log's field of a stage change (relationship ids as old and new values).</summary>
    public const string Field = nameof(Customer.RelationshipId);

    /// <summary>
    /// One statement that gives every customer its <see cref="Customer.EntryRelationshipId"/> from its log, for the migration
    /// that added the column: the stage its first stage change left, or the stage it is still in. New customers get it when
    /// created.
    /// </summary>
    public static string EntrySql(string provider)
    {
        var sqlServer = provider.Contains("SqlServer", StringComparison.Ordinal);
        var type = sqlServer ? "int" : provider.Contains("Sqlite", StringComparison.Ordinal) ? "INTEGER" : "integer";
        var from = $"""
            FROM "ChangeLog" AS e WHERE e."CustomerId" = "Customers"."Id" AND e."Field" = '{Field}' ORDER BY e."At", e."Id"
            """;
        var first = sqlServer
            ? $"(SELECT TOP 1 CAST(e.\"OldValue\" AS {type}) {from})"
            : $"(SELECT CAST(e.\"OldValue\" AS {type}) {from} LIMIT 1)";
        return $"UPDATE \"Customers\" SET \"EntryRelationshipId\" = COALESCE({first}, \"RelationshipId\");";
    }

    /// <summary>Customer ids per rebuild statement: the list is written into the SQL.</summary>
    private const int Chunk = 500;

    /// <summary>Sets the stay start of the stage changes <paramref name="db"/> is about to insert (its changes detected).</summary>
    public static void Stamp(CrmDbContext db) => StampAsync(db, sync: true, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Stamp"/>
    public static Task StampAsync(CrmDbContext db, CancellationToken ct) => StampAsync(db, sync: false, ct);

    private static async Task StampAsync(CrmDbContext db, bool sync, CancellationToken ct)
    {
        var added = db.ChangeTracker.Entries<ChangeLogEntry>()
            .Where(e => e.State == EntityState.Added && e.Entity.Field == Field && e.Entity.StageSince is null)
            .Select(e => e.Entity)
            .ToList();
        if (added.Count == 0)
        {
            return;
        }

        var (stored, created) = await PredecessorsAsync(db, added.Select(e => e.CustomerId).Distinct().ToList(), sync, ct);

        // Entries added together take ids in the order they were added, so that order breaks ties of time.
        foreach (var customer in added.Select((e, i) => (Entry: e, Order: i)).GroupBy(x => x.Entry.CustomerId))
        {
            DateTime? previous = stored.TryGetValue(customer.Key, out var last) ? last : null;
            foreach (var (entry, _) in customer.OrderBy(x => x.Entry.At).ThenBy(x => x.Order))
            {
                if (previous > entry.At)
                {
                    // A change dated before one already stored (never by the product, whose changes are dated now): its own
                    // predecessor is looked up.
                    var before = db.ChangeLog.Where(e => e.Field == Field && e.CustomerId == customer.Key && e.At <= entry.At).Select(e => (DateTime?)e.At);
                    previous = sync ? before.Max() : await before.MaxAsync(ct);
                }

                var since = previous ?? (created.TryGetValue(customer.Key, out var at) ? at : (DateTime?)null);
                if (since is DateTime s)
                {
                    entry.RecordStageSince(s);
                }

                previous = entry.At;
            }
        }
    }

    /// <summary>
    /// Per customer, the time of its last stored stage change and its creation: what the next stage change's stay starts at.
    /// </summary>
    private static async Task<(Dictionary<int, DateTime> Stored, Dictionary<int, DateTime> Created)> PredecessorsAsync(CrmDbContext db,
        List<int> ids, bool sync, CancellationToken ct)
    {
        var storedQuery = db.ChangeLog.Where(e => e.Field == Field && ids.Contains(e.CustomerId))
            .GroupBy(e => e.CustomerId).Select(g => new { Id = g.Key, At = g.Max(e => e.At) });
        var createdQuery = db.Customers.Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.CreatedAt });
        var stored = (sync ? storedQuery.ToList() : await storedQuery.ToListAsync(ct)).ToDictionary(x => x.Id, x => x.At);
        var created = (sync ? createdQuery.ToList() : await createdQuery.ToListAsync(ct)).ToDictionary(x => x.Id, x => x.CreatedAt);
        return (stored, created);
    }

    /// <summary>
    /// The stay starts of stage changes about to be inserted by SQL (the import and its undo), in insertion order, so that
    /// they are written with the rows instead of by a rebuild after them (an UPDATE of every new stage change, which also
    /// ran the change log's tally trigger again). A customer whose stored changes are dated after a new one (never the
    /// product's: its changes are dated now) gets null here and is named in <c>Rebuild</c>: its stays need
    /// <see cref="RebuildAsync"/> after the insert.
    /// </summary>
    public static async Task<(DateTime?[] Since, List<int> Rebuild)> ForNewAsync(CrmDbContext db, IReadOnlyList<(int CustomerId, DateTime At)> changes,
        CancellationToken ct)
    {
        var since = new DateTime?[changes.Count];
        var rebuild = new List<int>();
        if (changes.Count == 0)
        {
            return (since, rebuild);
        }

        var (stored, created) = await PredecessorsAsync(db, changes.Select(c => c.CustomerId).Distinct().ToList(), sync: false, ct);
        var previous = new Dictionary<int, DateTime>(stored);
        var late = new HashSet<int>();
        for (var i = 0; i < changes.Count; i++)
        {
            var (customer, at) = changes[i];
            if (previous.TryGetValue(customer, out var last) && last > at)
            {
                late.Add(customer);
            }

            if (!late.Contains(customer))
            {
                since[i] = previous.TryGetValue(customer, out last) ? last : created.TryGetValue(customer, out var made) ? made : null;
            }

            previous[customer] = at;
        }

        rebuild.AddRange(late);
        return (since, rebuild);
    }

    /// <summary>
    /// Recomputes the stay starts of <paramref name="customerIds"/>' stage changes from their log, or of every customer's when
    /// null (in the caller's transaction, if any).
    /// </summary>
    public static async Task RebuildAsync(CrmDbContext db, IEnumerable<int>? customerIds, CancellationToken ct = default)
    {
        var provider = db.Database.ProviderName!;
        if (customerIds is null)
        {
            await db.Database.ExecuteSqlRawAsync(RebuildSql(provider, null), ct);
            return;
        }

        foreach (var chunk in customerIds.Distinct().Order().Chunk(Chunk))
        {
            await db.Database.ExecuteSqlRawAsync(RebuildSql(provider, chunk), ct);
        }
    }

    /// <summary>
    /// One statement that sets every stage change's stay start (of the given customers, or of all) from the log: the
    /// previous stage change's time by a window over each customer's changes, else the customer's creation. Rows already
    /// right are not written. <paramref name="provider"/> is EF Core's provider name (a migration's ActiveProvider).
    /// </summary>
    public static string RebuildSql(string provider, IReadOnlyCollection<int>? customerIds)
    {
        var only = customerIds is null ? string.Empty
            : $" AND e.\"CustomerId\" IN ({string.Join(',', customerIds.Select(id => id.ToString(CultureInfo.InvariantCulture)))})";
        var stays = $"""
            SELECT e."Id", COALESCE(LAG(e."At") OVER (PARTITION BY e."CustomerId" ORDER BY e."At", e."Id"), c."CreatedAt") AS "Since"
            FROM "ChangeLog" AS e INNER JOIN "Customers" AS c ON c."Id" = e."CustomerId"
            WHERE e."Field" = '{Field}'{only}
            """;
        if (customerIds is not null && provider.Contains("Npgsql", StringComparison.Ordinal))
        {
            // PostgreSQL: each customer's changes read through the stage index by customer, one customer at a time (a lateral
            // subquery, kept apart by OFFSET 0). With "IN (…)" the plan rested on the statistics, which a large write makes
            // stale inside its own transaction: on a change log that was small when last analysed, the import's and the
            // undo's rebuilds read every stage change of the log for each chunk, slower with every chunk written.
            var list = string.Join(',', customerIds.Select(id => id.ToString(CultureInfo.InvariantCulture)));
            return $"""
                UPDATE "ChangeLog" SET "StageSince" = s."Since"
                FROM (SELECT e."Id", COALESCE(LAG(e."At") OVER (PARTITION BY k."Id" ORDER BY e."At", e."Id"), c."CreatedAt") AS "Since"
                      FROM unnest(ARRAY[{list}]::integer[]) AS k("Id")
                      INNER JOIN "Customers" AS c ON c."Id" = k."Id"
                      CROSS JOIN LATERAL (SELECT x."Id", x."At" FROM "ChangeLog" AS x
                                          WHERE x."Field" = '{Field}' AND x."CustomerId" = k."Id" OFFSET 0) AS e) AS s
                WHERE "ChangeLog"."Id" = s."Id" AND ("ChangeLog"."StageSince" IS NULL OR "ChangeLog"."StageSince" <> s."Since");
                """;
        }

        return provider.Contains("SqlServer", StringComparison.Ordinal)
            ? $"""
                UPDATE l SET "StageSince" = s."Since"
                FROM "ChangeLog" AS l INNER JOIN ({stays}) AS s ON l."Id" = s."Id"
                WHERE l."StageSince" IS NULL OR l."StageSince" <> s."Since";
                """
            : $"""
                UPDATE "ChangeLog" SET "StageSince" = s."Since"
                FROM ({stays}) AS s
                WHERE "ChangeLog"."Id" = s."Id" AND ("ChangeLog"."StageSince" IS NULL OR "ChangeLog"."StageSince" <> s."Since");
                """;
    }
}
