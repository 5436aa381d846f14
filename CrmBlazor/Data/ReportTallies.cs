using System.Globalization;
using CrmBlazor.Domain.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CrmBlazor.Data;

/// <summary>
/// One maintained count of the reports (R8, #24): how many rows of a <see cref="Kind"/> fall in one hour, day or month
/// starting at <see cref="At"/> for the live customers of one owner (<see cref="OwnerId"/>, empty for none), per
/// <see cref="Key"/> (and <see cref="Days"/>), with the money they carry in cents. See <see cref="ReportTallies"/>.
/// </summary>
public sealed class ReportTally
{
    public int Kind { get; set; }
    public DateTime At { get; set; }
    public string OwnerId { get; set; } = string.Empty;
    public int Key { get; set; }
    /// <summary>Whole days of a stay (<see cref="ReportTallies.StaysByDay"/>, <see cref="ReportTallies.StaysByMonth"/>), else 0.</summary>
    public int Days { get; set; }
    public int Count { get; set; }
    public long Cents { get; set; }
}

public sealed class ReportTallyConfiguration : IEntityTypeConfiguration<ReportTally>
{
    public void Configure(EntityTypeBuilder<ReportTally> b)
    {
        b.ToTable("ReportTallies");
        // The reports read one kind over a range of hours or days, for every owner or a team's.
        b.HasKey(t => new { t.Kind, t.At, t.OwnerId, t.Key, t.Days });
        b.Property(t => t.OwnerId).HasMaxLength(64);
    }
}

/// <summary>
/// Counts the reports would otherwise compute by reading every row of a period and looking up its customer's owner and
/// source (at a million customers, a quarter's 180,000 comments took 0.8–1.2 s that way; the figure now reads a few
/// thousand tallies). Kept by database triggers on SQLite and PostgreSQL, so every writer keeps them — the product's
/// saves, the import's set-based writes and COPY, merges, purges, SQL run by hand:
/// <list type="bullet">
/// <item><see cref="Comments"/>: comments not deleted, per hour of their time, Key 0 (interactions per owner).</item>
/// <item><see cref="Orders"/>: orders not cancelled, per order date, Key = the customer's source (0 for none), with the
/// amount paid (orders and revenue per source).</item>
/// <item><see cref="PayingRanks"/>: the first and second paying orders (<see cref="PayingOrders"/>) per order date, Key =
/// the rank (bought once or again by a day).</item>
/// <item><see cref="StageEntries"/>: stage changes per day, Key = the stage entered (pipeline movement).</item>
/// <item><see cref="StaysByDay"/>, <see cref="StaysByMonth"/>: the stays those changes end, per day and per month, Key = the
/// stage left, Days = the stay's whole days (<see cref="StayDays"/>): a period's median stay per stage from its histogram.</item>
/// </list>
/// Days and months of the stage tallies are those of UTC+7 (<see cref="Offset"/>: Vietnam, the default zone, no daylight
/// saving), so a Vietnamese reader's month is whole months and days; a reader elsewhere gets the parts of days at the
/// period's ends from the rows.
/// Only live customers count: trashing or merging a customer takes its rows out, restoring puts them back, and a new owner
/// or source moves them (the triggers on Customers). Deleting rows takes them out; a customer's rows are deleted before
/// the customer (CustomerPurge, which the trash, erasure and import undo use): a live customer deleted by hand with its
/// rows cascading would leave them counted, and a trigger to catch that cost every purged customer six lookups. <see cref="RebuildSql"/> computes the same counts from the
/// rows; the tests compare the two after random writes. SQL Server has no triggers here (nothing could test them on this
/// machine): there the reports read the rows as before (<see cref="Kept"/>).
/// </summary>
public static class ReportTallies
{
    public const int Comments = 1;
    public const int Orders = 2;
    public const int PayingRanks = 3;
    public const int StageEntries = 4;
    public const int StaysByDay = 5;
    public const int StaysByMonth = 6;

    /// <summary>How far the stage tallies' days are ahead of UTC (their <see cref="ReportTally.At"/> is the local start).</summary>
    public static readonly TimeSpan Offset = TimeSpan.FromHours(7);

    /// <summary>The stage id a change log value names, as the triggers read it (digits only, at most nine); null otherwise.</summary>
    public static int? StageKey(string? text) =>
        text is { Length: > 0 and <= 9 } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>
    /// The whole days of a stay from <paramref name="since"/> to <paramref name="at"/>, counted between their whole seconds as
    /// the triggers count them (a negative one, from a change dated before its predecessor, is 0).
    /// </summary>
    public static int StayDays(DateTime at, DateTime since) =>
        (int)Math.Max(0, ((at.Ticks / TimeSpan.TicksPerSecond) - (since.Ticks / TimeSpan.TicksPerSecond)) / 86_400);

    /// <summary>Whether the provider keeps the tallies (SQLite, PostgreSQL).</summary>
    public static bool Kept(DbContext db) => !db.Database.IsSqlServer();

    private const string Columns = "(\"Kind\", \"At\", \"OwnerId\", \"Key\", \"Days\", \"Count\", \"Cents\")";

    private const string Upsert = """
        ON CONFLICT ("Kind", "At", "OwnerId", "Key", "Days") DO UPDATE SET "Count" = "ReportTallies"."Count" + excluded."Count",
            "Cents" = "ReportTallies"."Cents" + excluded."Cents"
        """;

    private static readonly int Cancelled = (int)OrderStatus.Cancelled;

    private sealed record Dialect(bool Postgres)
    {
        public string Hour(string column) => Postgres ? $"date_trunc('hour', {column}, 'UTC')" : $"strftime('%Y-%m-%d %H:00:00', {column})";

        public string Day(string column) => Postgres ? $"({column}::timestamp AT TIME ZONE 'UTC')" : $"({column} || ' 00:00:00')";

        public string Cents(string column) => Postgres ? $"ROUND({column} * 100)::bigint" : $"CAST(ROUND(CAST({column} AS REAL) * 100) AS INTEGER)";

        public string Sum(string expression) => Postgres ? $"SUM({expression})::bigint" : $"SUM({expression})";

        public string Count => Postgres ? "COUNT(*)::int" : "COUNT(*)";

        /// <summary>The start of the day (UTC + <see cref="Offset"/>) of a UTC time, as that local time.</summary>
        public string LocalDay(string column) => Postgres
            ? $"(date_trunc('day', {column} AT TIME ZONE 'UTC' + interval '{Hours} hours') AT TIME ZONE 'UTC')"
            : $"(date({column}, '+{Hours} hours') || ' 00:00:00')";

        public string LocalMonth(string column) => Postgres
            ? $"(date_trunc('month', {column} AT TIME ZONE 'UTC' + interval '{Hours} hours') AT TIME ZONE 'UTC')"
            : $"strftime('%Y-%m-01 00:00:00', {column}, '+{Hours} hours')";

        private static string Hours => ((int)Offset.TotalHours).ToString(CultureInfo.InvariantCulture);

        /// <summary>Whole days between the whole seconds of two UTC times, at least 0 (<see cref="StayDays"/>).</summary>
        public string StayDays(string at, string since) => Postgres
            ? $"GREATEST(0, (EXTRACT(EPOCH FROM date_trunc('second', {at}))::bigint - EXTRACT(EPOCH FROM date_trunc('second', {since}))::bigint) / 86400)::int"
            : $"MAX(0, (unixepoch({at}) - unixepoch({since})) / 86400)";

        /// <summary>A stage id from the log's text, null for anything else (a write never fails on a value it cannot count).</summary>
        public string Int(string text) => Postgres
            ? $"(CASE WHEN {text} ~ '^[0-9]+$' AND length({text}) <= 9 THEN CAST({text} AS integer) END)"
            : $"(CASE WHEN {text} <> '' AND {text} NOT GLOB '*[^0-9]*' AND length({text}) <= 9 THEN CAST({text} AS INTEGER) END)";
    }

    /// <summary>One comment's row (<paramref name="r"/> = NEW or OLD) counted with <paramref name="sign"/>, if its customer is live.</summary>
    private static string CommentRow(Dialect d, string r, int sign) => $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Comments}, {d.Hour($"{r}.\"CreatedAt\"")}, COALESCE(c."OwnerId", ''), 0, 0, {sign}, 0
        FROM "Customers" AS c WHERE c."Id" = {r}."CustomerId" AND NOT c."IsDeleted" AND NOT {r}."IsDeleted"
        {Upsert};
        """;

    private static string OrderRow(Dialect d, string r, int sign) => $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Orders}, {d.Day($"{r}.\"OrderDate\"")}, COALESCE(c."OwnerId", ''), COALESCE(c."SourceId", 0), 0, {sign}, {sign} * {d.Cents($"{r}.\"AmountPaid\"")}
        FROM "Customers" AS c WHERE c."Id" = {r}."CustomerId" AND NOT c."IsDeleted" AND {r}."Status" <> {Cancelled}
        {Upsert};
        """;

    private static string RankRow(Dialect d, string r, int sign) => $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {PayingRanks}, {d.Day($"{r}.\"OrderDate\"")}, COALESCE(c."OwnerId", ''), {r}."{PayingOrders.Column}", 0, {sign}, 0
        FROM "Customers" AS c WHERE c."Id" = {r}."CustomerId" AND NOT c."IsDeleted" AND {r}."{PayingOrders.Column}" IN (1, 2)
        {Upsert};
        """;

    /// <summary>One stage change (<paramref name="r"/> = NEW or OLD) counted with <paramref name="sign"/>, if its customer is live:
    /// the stage it entered, and the stay it ended (by day and by month).</summary>
    private static string StageRow(Dialect d, string r, int sign)
    {
        var live = $"FROM \"Customers\" AS c WHERE c.\"Id\" = {r}.\"CustomerId\" AND NOT c.\"IsDeleted\" AND {r}.\"Field\" = '{StageStays.Field}'";
        var stay = $"{d.StayDays($"{r}.\"At\"", $"{r}.\"StageSince\"")}";
        var ended = $"AND {d.Int($"{r}.\"OldValue\"")} IS NOT NULL AND {r}.\"StageSince\" IS NOT NULL";
        return $"""
            INSERT INTO "ReportTallies" {Columns}
            SELECT {StageEntries}, {d.LocalDay($"{r}.\"At\"")}, COALESCE(c."OwnerId", ''), {d.Int($"{r}.\"NewValue\"")}, 0, {sign}, 0
            {live} AND {d.Int($"{r}.\"NewValue\"")} IS NOT NULL
            {Upsert};
            INSERT INTO "ReportTallies" {Columns}
            SELECT {StaysByDay}, {d.LocalDay($"{r}.\"At\"")}, COALESCE(c."OwnerId", ''), {d.Int($"{r}.\"OldValue\"")}, {stay}, {sign}, 0
            {live} {ended}
            {Upsert};
            INSERT INTO "ReportTallies" {Columns}
            SELECT {StaysByMonth}, {d.LocalMonth($"{r}.\"At\"")}, COALESCE(c."OwnerId", ''), {d.Int($"{r}.\"OldValue\"")}, {stay}, {sign}, 0
            {live} {ended}
            {Upsert};
            """;
    }

    /// <summary>The stage tallies of the changes in <paramref name="from"/> (a FROM … WHERE over the change log as e), owned by
    /// <paramref name="owner"/>, counted with <paramref name="sign"/> (an SQL expression).</summary>
    private static string StageRows(Dialect d, string from, string owner, string sign)
    {
        var stay = d.StayDays("e.\"At\"", "e.\"StageSince\"");
        return $"""
            INSERT INTO "ReportTallies" {Columns}
            SELECT {StageEntries}, {d.LocalDay("e.\"At\"")}, {owner}, {d.Int("e.\"NewValue\"")}, 0, {sign} * {d.Count}, 0
            {from} AND e."Field" = '{StageStays.Field}' AND {d.Int("e.\"NewValue\"")} IS NOT NULL
            GROUP BY {d.LocalDay("e.\"At\"")}, {owner}, {d.Int("e.\"NewValue\"")}
            {Upsert};
            INSERT INTO "ReportTallies" {Columns}
            SELECT {StaysByDay}, {d.LocalDay("e.\"At\"")}, {owner}, {d.Int("e.\"OldValue\"")}, {stay}, {sign} * {d.Count}, 0
            {from} AND e."Field" = '{StageStays.Field}' AND {d.Int("e.\"OldValue\"")} IS NOT NULL AND e."StageSince" IS NOT NULL
            GROUP BY {d.LocalDay("e.\"At\"")}, {owner}, {d.Int("e.\"OldValue\"")}, {stay}
            {Upsert};
            INSERT INTO "ReportTallies" {Columns}
            SELECT {StaysByMonth}, {d.LocalMonth("e.\"At\"")}, {owner}, {d.Int("e.\"OldValue\"")}, {stay}, {sign} * {d.Count}, 0
            {from} AND e."Field" = '{StageStays.Field}' AND {d.Int("e.\"OldValue\"")} IS NOT NULL AND e."StageSince" IS NOT NULL
            GROUP BY {d.LocalMonth("e.\"At\"")}, {owner}, {d.Int("e.\"OldValue\"")}, {stay}
            {Upsert};
            """;
    }

    /// <summary>Every row of one customer (<paramref name="c"/> = NEW or OLD, as it was or is) counted with <paramref name="sign"/>, if live.</summary>
    private static string CustomerRows(Dialect d, string c, int sign) => $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Comments}, {d.Hour("m.\"CreatedAt\"")}, COALESCE({c}."OwnerId", ''), 0, 0, {sign} * {d.Count}, 0
        FROM "Comments" AS m WHERE m."CustomerId" = {c}."Id" AND NOT m."IsDeleted" AND NOT {c}."IsDeleted"
        GROUP BY {d.Hour("m.\"CreatedAt\"")}
        {Upsert};
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Orders}, {d.Day("o.\"OrderDate\"")}, COALESCE({c}."OwnerId", ''), COALESCE({c}."SourceId", 0), 0, {sign} * {d.Count},
            {sign} * {d.Sum(d.Cents("o.\"AmountPaid\""))}
        FROM "Orders" AS o WHERE o."CustomerId" = {c}."Id" AND o."Status" <> {Cancelled} AND NOT {c}."IsDeleted"
        GROUP BY o."OrderDate"
        {Upsert};
        INSERT INTO "ReportTallies" {Columns}
        SELECT {PayingRanks}, {d.Day("o.\"OrderDate\"")}, COALESCE({c}."OwnerId", ''), o."{PayingOrders.Column}", 0, {sign} * {d.Count}, 0
        FROM "Orders" AS o WHERE o."CustomerId" = {c}."Id" AND o."{PayingOrders.Column}" IN (1, 2) AND NOT {c}."IsDeleted"
        GROUP BY o."OrderDate", o."{PayingOrders.Column}"
        {Upsert};
        {StageRows(d, $"FROM \"ChangeLog\" AS e WHERE e.\"CustomerId\" = {c}.\"Id\" AND NOT {c}.\"IsDeleted\"", $"COALESCE({c}.\"OwnerId\", '')", sign.ToString(CultureInfo.InvariantCulture))}
        """;

    /// <summary>
    /// Every row of the customers <paramref name="customers"/> (a FROM item aliased c: the Customers table, or a statement's
    /// changed customers as they were or are) counted with <paramref name="sign"/> (an SQL expression), if live: grouped,
    /// so one statement per kind whatever the number of customers. <paramref name="byCustomer"/> (PostgreSQL only) reads
    /// each customer's rows through the customer indexes, whatever the statistics say: the customers trigger's moved
    /// customers are a few of the table's, but planned on a change log analyzed while it was small (a new database, the
    /// first import), every statement read and hashed all the log's stage changes (15–50 ms per statement on 100,000
    /// customers, most of an import's UPDATE time).
    /// </summary>
    private static string CustomerSetRows(Dialect d, string customers, string sign, bool byCustomer = false)
    {
        // OFFSET 0 keeps the lateral subquery from being pulled up into a plain join, which could be hashed again.
        string Rows(string table, string alias, string where = "") => byCustomer
            ? $"{customers} CROSS JOIN LATERAL (SELECT * FROM \"{table}\" AS {alias} WHERE {alias}.\"CustomerId\" = c.\"Id\"{where} OFFSET 0) AS {alias}"
            : $"\"{table}\" AS {alias} INNER JOIN {customers} ON c.\"Id\" = {alias}.\"CustomerId\"";
        return $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Comments}, {d.Hour("m.\"CreatedAt\"")}, COALESCE(c."OwnerId", ''), 0, 0, {sign} * {d.Count}, 0
        FROM {Rows("Comments", "m")}
        WHERE NOT m."IsDeleted" AND NOT c."IsDeleted"
        GROUP BY {d.Hour("m.\"CreatedAt\"")}, COALESCE(c."OwnerId", '')
        {Upsert};
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Orders}, {d.Day("o.\"OrderDate\"")}, COALESCE(c."OwnerId", ''), COALESCE(c."SourceId", 0), 0, {sign} * {d.Count},
            {sign} * {d.Sum(d.Cents("o.\"AmountPaid\""))}
        FROM {Rows("Orders", "o")}
        WHERE o."Status" <> {Cancelled} AND NOT c."IsDeleted"
        GROUP BY o."OrderDate", COALESCE(c."OwnerId", ''), COALESCE(c."SourceId", 0)
        {Upsert};
        INSERT INTO "ReportTallies" {Columns}
        SELECT {PayingRanks}, {d.Day("o.\"OrderDate\"")}, COALESCE(c."OwnerId", ''), o."{PayingOrders.Column}", 0, {sign} * {d.Count}, 0
        FROM {Rows("Orders", "o")}
        WHERE o."{PayingOrders.Column}" IN (1, 2) AND NOT c."IsDeleted"
        GROUP BY o."OrderDate", COALESCE(c."OwnerId", ''), o."{PayingOrders.Column}"
        {Upsert};
        {StageRows(d, $"FROM {Rows("ChangeLog", "e", $" AND e.\"Field\" = '{StageStays.Field}'")} WHERE NOT c.\"IsDeleted\"", "COALESCE(c.\"OwnerId\", '')", sign)}
        """;
    }

    /// <summary>
    /// The tallies computed from the rows (every customer), replacing what is stored: the migration that added them, and the
    /// tests' reference. <paramref name="provider"/> is EF Core's provider name.
    /// </summary>
    public static string RebuildSql(string provider) => $"""
        DELETE FROM "ReportTallies";
        {CustomerSetRows(new Dialect(provider.Contains("Npgsql", StringComparison.Ordinal)), "\"Customers\" AS c", "1")}
        """;

    private const string LogChanged = """
        OLD."StageSince" IS DISTINCT FROM NEW."StageSince" OR OLD."At" <> NEW."At" OR OLD."CustomerId" <> NEW."CustomerId"
            OR OLD."OldValue" IS DISTINCT FROM NEW."OldValue" OR OLD."NewValue" IS DISTINCT FROM NEW."NewValue" OR OLD."Field" <> NEW."Field"
        """;

    private const string CustomerChanged = """
        OLD."OwnerId" IS DISTINCT FROM NEW."OwnerId" OR OLD."SourceId" IS DISTINCT FROM NEW."SourceId" OR OLD."IsDeleted" <> NEW."IsDeleted"
        """;

    public static void CreateSqlite(MigrationBuilder b)
    {
        var d = new Dialect(false);
        b.Sql($"""
            CREATE TRIGGER "TR_Comments_Tally_Insert" AFTER INSERT ON "Comments" BEGIN
            {CommentRow(d, "NEW", 1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_Comments_Tally_Delete" AFTER DELETE ON "Comments" BEGIN
            {CommentRow(d, "OLD", -1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_Comments_Tally_Update" AFTER UPDATE OF "IsDeleted", "CreatedAt", "CustomerId" ON "Comments"
            WHEN OLD."IsDeleted" <> NEW."IsDeleted" OR OLD."CreatedAt" <> NEW."CreatedAt" OR OLD."CustomerId" <> NEW."CustomerId" BEGIN
            {CommentRow(d, "OLD", -1)}
            {CommentRow(d, "NEW", 1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_Orders_Tally_Insert" AFTER INSERT ON "Orders" BEGIN
            {OrderRow(d, "NEW", 1)}
            {RankRow(d, "NEW", 1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_Orders_Tally_Delete" AFTER DELETE ON "Orders" BEGIN
            {OrderRow(d, "OLD", -1)}
            {RankRow(d, "OLD", -1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_Orders_Tally_Update" AFTER UPDATE OF "Status", "AmountPaid", "OrderDate", "CustomerId" ON "Orders"
            WHEN OLD."Status" <> NEW."Status" OR OLD."AmountPaid" IS NOT NEW."AmountPaid" OR OLD."OrderDate" <> NEW."OrderDate"
                OR OLD."CustomerId" <> NEW."CustomerId" BEGIN
            {OrderRow(d, "OLD", -1)}
            {OrderRow(d, "NEW", 1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_Orders_Tally_Rank" AFTER UPDATE OF "{PayingOrders.Column}", "OrderDate", "CustomerId" ON "Orders"
            WHEN OLD."{PayingOrders.Column}" IS NOT NEW."{PayingOrders.Column}" OR OLD."OrderDate" <> NEW."OrderDate"
                OR OLD."CustomerId" <> NEW."CustomerId" BEGIN
            {RankRow(d, "OLD", -1)}
            {RankRow(d, "NEW", 1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_ChangeLog_Tally_Insert" AFTER INSERT ON "ChangeLog" WHEN NEW."Field" = '{StageStays.Field}' BEGIN
            {StageRow(d, "NEW", 1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_ChangeLog_Tally_Delete" AFTER DELETE ON "ChangeLog" WHEN OLD."Field" = '{StageStays.Field}' BEGIN
            {StageRow(d, "OLD", -1)}
            END;
            """);
        // StageSince is set by SQL after the rows an import or a merge writes (StageStays.RebuildSql).
        b.Sql($"""
            CREATE TRIGGER "TR_ChangeLog_Tally_Update" AFTER UPDATE OF "StageSince", "At", "CustomerId", "OldValue", "NewValue", "Field" ON "ChangeLog"
            WHEN (OLD."Field" = '{StageStays.Field}' OR NEW."Field" = '{StageStays.Field}') AND ({LogChanged}) BEGIN
            {StageRow(d, "OLD", -1)}
            {StageRow(d, "NEW", 1)}
            END;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_Customers_Tally_Update" AFTER UPDATE OF "OwnerId", "SourceId", "IsDeleted" ON "Customers"
            WHEN {CustomerChanged} BEGIN
            {CustomerRows(d, "OLD", -1)}
            {CustomerRows(d, "NEW", 1)}
            END;
            """);
    }

    public static void DropSqlite(MigrationBuilder b)
    {
        foreach (var name in new[]
                 {
                     "TR_Comments_Tally_Insert", "TR_Comments_Tally_Delete", "TR_Comments_Tally_Update", "TR_Orders_Tally_Insert",
                     "TR_Orders_Tally_Delete", "TR_Orders_Tally_Update", "TR_Orders_Tally_Rank", "TR_ChangeLog_Tally_Insert",
                     "TR_ChangeLog_Tally_Delete", "TR_ChangeLog_Tally_Update", "TR_Customers_Tally_Update",
                 })
        {
            b.Sql($"DROP TRIGGER IF EXISTS \"{name}\";");
        }
    }

    public static void CreatePostgres(MigrationBuilder b)
    {
        var d = new Dialect(true);
        b.Sql($"""
            CREATE FUNCTION report_tally_comments() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    {CommentRow(d, "OLD", -1)}
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    {CommentRow(d, "NEW", 1)}
                END IF;
                RETURN NULL;
            END $$;
            """);
        b.Sql("""
            CREATE TRIGGER "TR_Comments_Tally" AFTER INSERT OR DELETE OR UPDATE OF "IsDeleted", "CreatedAt", "CustomerId" ON "Comments"
            FOR EACH ROW EXECUTE FUNCTION report_tally_comments();
            """);
        b.Sql($"""
            CREATE FUNCTION report_tally_orders() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    IF TG_OP = 'DELETE' OR OLD."Status" <> NEW."Status" OR OLD."AmountPaid" IS DISTINCT FROM NEW."AmountPaid"
                        OR OLD."OrderDate" <> NEW."OrderDate" OR OLD."CustomerId" <> NEW."CustomerId" THEN
                        {OrderRow(d, "OLD", -1)}
                        IF TG_OP = 'UPDATE' THEN
                            {OrderRow(d, "NEW", 1)}
                        END IF;
                    END IF;
                    IF TG_OP = 'DELETE' OR OLD."{PayingOrders.Column}" IS DISTINCT FROM NEW."{PayingOrders.Column}"
                        OR OLD."OrderDate" <> NEW."OrderDate" OR OLD."CustomerId" <> NEW."CustomerId" THEN
                        {RankRow(d, "OLD", -1)}
                        IF TG_OP = 'UPDATE' THEN
                            {RankRow(d, "NEW", 1)}
                        END IF;
                    END IF;
                ELSE
                    {OrderRow(d, "NEW", 1)}
                    {RankRow(d, "NEW", 1)}
                END IF;
                RETURN NULL;
            END $$;
            """);
        b.Sql($"""
            CREATE TRIGGER "TR_Orders_Tally" AFTER INSERT OR DELETE
                OR UPDATE OF "Status", "AmountPaid", "OrderDate", "CustomerId", "{PayingOrders.Column}" ON "Orders"
            FOR EACH ROW EXECUTE FUNCTION report_tally_orders();
            """);
        CreatePostgresStatementTriggers(b);
    }

    /// <summary>
    /// PostgreSQL: the change log's and the customers' triggers run once per statement over its transition tables, with
    /// one grouped statement per kind, instead of once per row: an import's UPDATE of many customers' sources ran twelve
    /// statements per customer in plpgsql, and its stage changes three each. A statement that changes
    /// nothing counted (most saves) costs one EXISTS. (A statement trigger on UPDATE cannot name columns: it fires on
    /// every update and tests the columns itself.)
    /// </summary>
    public static void CreatePostgresStatementTriggers(MigrationBuilder b)
    {
        // Planned at every run (EXECUTE), not once per session as plpgsql's static statements (they have no parameters,
        // so their first plan stays): planned while the change log was empty (the first import into a new database), a
        // statement kept reading the whole log by a hash join while the import filled it. Planned each time, the few
        // moved customers are looked up through the customer indexes. (No statement here holds a ';' inside a literal.)
        static string Dynamic(string sql) => string.Join("\n", sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(statement => $"EXECUTE $q${statement}$q$;"));
        var d = new Dialect(true);
        const string stage = $"\"Field\" = '{StageStays.Field}'";
        var logChanged = LogChanged.Replace("OLD.", "e.", StringComparison.Ordinal).Replace("NEW.", "x.", StringComparison.Ordinal);
        var live = "INNER JOIN \"Customers\" AS c ON c.\"Id\" = e.\"CustomerId\" WHERE NOT c.\"IsDeleted\"";
        const string owner = "COALESCE(c.\"OwnerId\", '')";
        b.Sql($"""
            CREATE FUNCTION report_tally_changes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- Only stage changes: other fields' values are not stage ids (the casts would fail on them).
                IF TG_OP = 'INSERT' THEN
                    IF EXISTS (SELECT 1 FROM new_rows AS e WHERE e.{stage}) THEN
                        {Dynamic(StageRows(d, $"FROM new_rows AS e {live}", owner, "1"))}
                    END IF;
                ELSIF TG_OP = 'DELETE' THEN
                    IF EXISTS (SELECT 1 FROM old_rows AS e WHERE e.{stage}) THEN
                        {Dynamic(StageRows(d, $"FROM old_rows AS e {live}", owner, "-1"))}
                    END IF;
                ELSIF EXISTS (SELECT 1 FROM old_rows AS e INNER JOIN new_rows AS x ON x."Id" = e."Id"
                              WHERE (e.{stage} OR x.{stage}) AND ({logChanged})) THEN
                    {Dynamic(StageRows(d, $"FROM old_rows AS e INNER JOIN new_rows AS x ON x.\"Id\" = e.\"Id\" AND ({logChanged}) {live}", owner, "-1"))}
                    {Dynamic(StageRows(d, $"FROM new_rows AS e INNER JOIN old_rows AS x ON x.\"Id\" = e.\"Id\" AND ({logChanged}) {live}", owner, "1"))}
                END IF;
                RETURN NULL;
            END $$;
            """);
        b.Sql("""
            CREATE TRIGGER "TR_ChangeLog_Tally_Insert" AFTER INSERT ON "ChangeLog" REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_tally_changes();
            """);
        b.Sql("""
            CREATE TRIGGER "TR_ChangeLog_Tally_Delete" AFTER DELETE ON "ChangeLog" REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_tally_changes();
            """);
        b.Sql("""
            CREATE TRIGGER "TR_ChangeLog_Tally_Update" AFTER UPDATE ON "ChangeLog" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_tally_changes();
            """);
        var customerChanged = CustomerChanged.Replace("OLD.", "e.", StringComparison.Ordinal).Replace("NEW.", "x.", StringComparison.Ordinal);
        string Moved(string from, string to) =>
            $"(SELECT e.* FROM {from} AS e INNER JOIN {to} AS x ON x.\"Id\" = e.\"Id\" WHERE {customerChanged}) AS c";
        b.Sql($"""
            CREATE FUNCTION report_tally_customers() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM old_rows AS e INNER JOIN new_rows AS x ON x."Id" = e."Id" WHERE {customerChanged}) THEN
                    {Dynamic(CustomerSetRows(d, Moved("old_rows", "new_rows"), "-1", byCustomer: true))}
                    {Dynamic(CustomerSetRows(d, Moved("new_rows", "old_rows"), "1", byCustomer: true))}
                END IF;
                RETURN NULL;
            END $$;
            """);
        b.Sql("""
            CREATE TRIGGER "TR_Customers_Tally_Update" AFTER UPDATE ON "Customers" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION report_tally_customers();
            """);
    }

    /// <summary>Drops the triggers <see cref="CreatePostgresStatementTriggers"/> makes (and the row triggers they replaced).</summary>
    public static void DropPostgresStatementTriggers(MigrationBuilder b)
    {
        b.Sql("DROP TRIGGER IF EXISTS \"TR_Customers_Tally_Update\" ON \"Customers\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_ChangeLog_Tally_Insert\" ON \"ChangeLog\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_ChangeLog_Tally_Delete\" ON \"ChangeLog\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_ChangeLog_Tally_Update\" ON \"ChangeLog\";");
        b.Sql("DROP FUNCTION IF EXISTS report_tally_customers();");
        b.Sql("DROP FUNCTION IF EXISTS report_tally_changes();");
    }

    public static void DropPostgres(MigrationBuilder b)
    {
        DropPostgresStatementTriggers(b);
        b.Sql("DROP TRIGGER IF EXISTS \"TR_Orders_Tally\" ON \"Orders\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_Comments_Tally\" ON \"Comments\";");
        b.Sql("DROP FUNCTION IF EXISTS report_tally_orders();");
        b.Sql("DROP FUNCTION IF EXISTS report_tally_comments();");
    }
}
