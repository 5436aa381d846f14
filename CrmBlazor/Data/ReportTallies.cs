using CrmBlazor.Domain.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CrmBlazor.Data;

/// <summary>
/// One maintained count of the reports (R8, #24): how many rows of a <see cref="Kind"/> fall in one hour or day
/// (<see cref="At"/>, UTC) for the live customers of one owner (<see cref="OwnerId"/>, empty for none), per
/// <see cref="Key"/>, with the money they carry in cents. See <see cref="ReportTallies"/>.
/// </summary>
public sealed class ReportTally
{
    public int Kind { get; set; }
    public DateTime At { get; set; }
    public string OwnerId { get; set; } = string.Empty;
    public int Key { get; set; }
    public int Count { get; set; }
    public long Cents { get; set; }
}

public sealed class ReportTallyConfiguration : IEntityTypeConfiguration<ReportTally>
{
    public void Configure(EntityTypeBuilder<ReportTally> b)
    {
        b.ToTable("ReportTallies");
        // The reports read one kind over a range of hours or days, for every owner or a team's.
        b.HasKey(t => new { t.Kind, t.At, t.OwnerId, t.Key });
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
/// </list>
/// Only live customers count: trashing, merging or purging a customer takes its rows out, restoring puts them back, and a
/// new owner or source moves them (the triggers on Customers). <see cref="RebuildSql"/> computes the same counts from the
/// rows; the tests compare the two after random writes. SQL Server has no triggers here (nothing could test them on this
/// machine): there the reports read the rows as before (<see cref="Kept"/>).
/// </summary>
public static class ReportTallies
{
    public const int Comments = 1;
    public const int Orders = 2;
    public const int PayingRanks = 3;

    /// <summary>Whether the provider keeps the tallies (SQLite, PostgreSQL).</summary>
    public static bool Kept(DbContext db) => !db.Database.IsSqlServer();

    private const string Columns = "(\"Kind\", \"At\", \"OwnerId\", \"Key\", \"Count\", \"Cents\")";

    private const string Upsert = """
        ON CONFLICT ("Kind", "At", "OwnerId", "Key") DO UPDATE SET "Count" = "ReportTallies"."Count" + excluded."Count",
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
    }

    /// <summary>One comment's row (<paramref name="r"/> = NEW or OLD) counted with <paramref name="sign"/>, if its customer is live.</summary>
    private static string CommentRow(Dialect d, string r, int sign) => $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Comments}, {d.Hour($"{r}.\"CreatedAt\"")}, COALESCE(c."OwnerId", ''), 0, {sign}, 0
        FROM "Customers" AS c WHERE c."Id" = {r}."CustomerId" AND NOT c."IsDeleted" AND NOT {r}."IsDeleted"
        {Upsert};
        """;

    private static string OrderRow(Dialect d, string r, int sign) => $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Orders}, {d.Day($"{r}.\"OrderDate\"")}, COALESCE(c."OwnerId", ''), COALESCE(c."SourceId", 0), {sign}, {sign} * {d.Cents($"{r}.\"AmountPaid\"")}
        FROM "Customers" AS c WHERE c."Id" = {r}."CustomerId" AND NOT c."IsDeleted" AND {r}."Status" <> {Cancelled}
        {Upsert};
        """;

    private static string RankRow(Dialect d, string r, int sign) => $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {PayingRanks}, {d.Day($"{r}.\"OrderDate\"")}, COALESCE(c."OwnerId", ''), {r}."{PayingOrders.Column}", {sign}, 0
        FROM "Customers" AS c WHERE c."Id" = {r}."CustomerId" AND NOT c."IsDeleted" AND {r}."{PayingOrders.Column}" IN (1, 2)
        {Upsert};
        """;

    /// <summary>Every row of one customer (<paramref name="c"/> = NEW or OLD, as it was or is) counted with <paramref name="sign"/>, if live.</summary>
    private static string CustomerRows(Dialect d, string c, int sign) => $"""
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Comments}, {d.Hour("m.\"CreatedAt\"")}, COALESCE({c}."OwnerId", ''), 0, {sign} * {d.Count}, 0
        FROM "Comments" AS m WHERE m."CustomerId" = {c}."Id" AND NOT m."IsDeleted" AND NOT {c}."IsDeleted"
        GROUP BY {d.Hour("m.\"CreatedAt\"")}
        {Upsert};
        INSERT INTO "ReportTallies" {Columns}
        SELECT {Orders}, {d.Day("o.\"OrderDate\"")}, COALESCE({c}."OwnerId", ''), COALESCE({c}."SourceId", 0), {sign} * {d.Count},
            {sign} * {d.Sum(d.Cents("o.\"AmountPaid\""))}
        FROM "Orders" AS o WHERE o."CustomerId" = {c}."Id" AND o."Status" <> {Cancelled} AND NOT {c}."IsDeleted"
        GROUP BY o."OrderDate"
        {Upsert};
        INSERT INTO "ReportTallies" {Columns}
        SELECT {PayingRanks}, {d.Day("o.\"OrderDate\"")}, COALESCE({c}."OwnerId", ''), o."{PayingOrders.Column}", {sign} * {d.Count}, 0
        FROM "Orders" AS o WHERE o."CustomerId" = {c}."Id" AND o."{PayingOrders.Column}" IN (1, 2) AND NOT {c}."IsDeleted"
        GROUP BY o."OrderDate", o."{PayingOrders.Column}"
        {Upsert};
        """;

    /// <summary>
    /// The tallies computed from the rows (every customer), replacing what is stored: the migration that added them, and the
    /// tests' reference. <paramref name="provider"/> is EF Core's provider name.
    /// </summary>
    public static string RebuildSql(string provider)
    {
        var d = new Dialect(provider.Contains("Npgsql", StringComparison.Ordinal));
        return $"""
            DELETE FROM "ReportTallies";
            INSERT INTO "ReportTallies" {Columns}
            SELECT {Comments}, {d.Hour("m.\"CreatedAt\"")}, COALESCE(c."OwnerId", ''), 0, {d.Count}, 0
            FROM "Comments" AS m INNER JOIN "Customers" AS c ON c."Id" = m."CustomerId"
            WHERE NOT m."IsDeleted" AND NOT c."IsDeleted"
            GROUP BY {d.Hour("m.\"CreatedAt\"")}, COALESCE(c."OwnerId", '');
            INSERT INTO "ReportTallies" {Columns}
            SELECT {Orders}, {d.Day("o.\"OrderDate\"")}, COALESCE(c."OwnerId", ''), COALESCE(c."SourceId", 0), {d.Count}, {d.Sum(d.Cents("o.\"AmountPaid\""))}
            FROM "Orders" AS o INNER JOIN "Customers" AS c ON c."Id" = o."CustomerId"
            WHERE o."Status" <> {Cancelled} AND NOT c."IsDeleted"
            GROUP BY o."OrderDate", COALESCE(c."OwnerId", ''), COALESCE(c."SourceId", 0);
            INSERT INTO "ReportTallies" {Columns}
            SELECT {PayingRanks}, {d.Day("o.\"OrderDate\"")}, COALESCE(c."OwnerId", ''), o."{PayingOrders.Column}", {d.Count}, 0
            FROM "Orders" AS o INNER JOIN "Customers" AS c ON c."Id" = o."CustomerId"
            WHERE o."{PayingOrders.Column}" IN (1, 2) AND NOT c."IsDeleted"
            GROUP BY o."OrderDate", COALESCE(c."OwnerId", ''), o."{PayingOrders.Column}";
            """;
    }

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
            CREATE TRIGGER "TR_Customers_Tally_Update" AFTER UPDATE OF "OwnerId", "SourceId", "IsDeleted" ON "Customers"
            WHEN {CustomerChanged} BEGIN
            {CustomerRows(d, "OLD", -1)}
            {CustomerRows(d, "NEW", 1)}
            END;
            """);
        // Before: the rows it cascades to are then still there to be counted out (once it is gone, their own triggers find
        // no live customer and count nothing).
        b.Sql($"""
            CREATE TRIGGER "TR_Customers_Tally_Delete" BEFORE DELETE ON "Customers" WHEN NOT OLD."IsDeleted" BEGIN
            {CustomerRows(d, "OLD", -1)}
            END;
            """);
    }

    public static void DropSqlite(MigrationBuilder b)
    {
        foreach (var name in new[]
                 {
                     "TR_Comments_Tally_Insert", "TR_Comments_Tally_Delete", "TR_Comments_Tally_Update", "TR_Orders_Tally_Insert",
                     "TR_Orders_Tally_Delete", "TR_Orders_Tally_Update", "TR_Orders_Tally_Rank", "TR_Customers_Tally_Update",
                     "TR_Customers_Tally_Delete",
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
        b.Sql($"""
            CREATE FUNCTION report_tally_customers() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF NOT OLD."IsDeleted" THEN
                        {CustomerRows(d, "OLD", -1)}
                    END IF;
                    RETURN OLD;
                END IF;
                IF {CustomerChanged} THEN
                    {CustomerRows(d, "OLD", -1)}
                    {CustomerRows(d, "NEW", 1)}
                END IF;
                RETURN NULL;
            END $$;
            """);
        b.Sql("""
            CREATE TRIGGER "TR_Customers_Tally_Update" AFTER UPDATE OF "OwnerId", "SourceId", "IsDeleted" ON "Customers"
            FOR EACH ROW EXECUTE FUNCTION report_tally_customers();
            """);
        b.Sql("""
            CREATE TRIGGER "TR_Customers_Tally_Delete" BEFORE DELETE ON "Customers"
            FOR EACH ROW EXECUTE FUNCTION report_tally_customers();
            """);
    }

    public static void DropPostgres(MigrationBuilder b)
    {
        b.Sql("DROP TRIGGER IF EXISTS \"TR_Customers_Tally_Delete\" ON \"Customers\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_Customers_Tally_Update\" ON \"Customers\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_Orders_Tally\" ON \"Orders\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_Comments_Tally\" ON \"Comments\";");
        b.Sql("DROP FUNCTION IF EXISTS report_tally_customers();");
        b.Sql("DROP FUNCTION IF EXISTS report_tally_orders();");
        b.Sql("DROP FUNCTION IF EXISTS report_tally_comments();");
    }
}
