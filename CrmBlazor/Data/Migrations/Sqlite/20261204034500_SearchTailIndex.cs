using Microsoft.EntityFrameworkCore.Migrations;

namespace CrmBlazor.Data.Migrations.Sqlite
{
    /// <summary>
    /// A second trigram index over the customers' search text without its first character (see
    /// <see cref="CustomerSearchTables"/>), written by the same three triggers as the first.
    /// </summary>
    public partial class SearchTailIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "CustomerSearchTailFts" USING fts5("SearchText", content='', tokenize='trigram');
                """);
            CreateTriggers(migrationBuilder, withTail: true);
            migrationBuilder.Sql("""
                INSERT INTO "CustomerSearchTailFts"(rowid, "SearchText") SELECT "Id", substr("SearchText", 2) FROM "Customers" ORDER BY "Id";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            CreateTriggers(migrationBuilder, withTail: false);
            migrationBuilder.Sql("DROP TABLE IF EXISTS \"CustomerSearchTailFts\";");
        }

        private static void CreateTriggers(MigrationBuilder migrationBuilder, bool withTail)
        {
            // The statements as of this migration: later changes to CustomerSearchTables must not rewrite it.
            string Add(string row) => $"""
                  INSERT INTO "CustomerSearchFts"(rowid, "SearchText") VALUES ({row}."Id", {row}."SearchText");
                """ + (withTail ? $"""

                  INSERT INTO "CustomerSearchTailFts"(rowid, "SearchText") VALUES ({row}."Id", substr({row}."SearchText", 2));
                """ : string.Empty);
            string Remove(string row) => $"""
                  INSERT INTO "CustomerSearchFts"("CustomerSearchFts", rowid, "SearchText") VALUES ('delete', {row}."Id", {row}."SearchText");
                """ + (withTail ? $"""

                  INSERT INTO "CustomerSearchTailFts"("CustomerSearchTailFts", rowid, "SearchText") VALUES ('delete', {row}."Id", substr({row}."SearchText", 2));
                """ : string.Empty);

            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Customers_SearchFts_Insert\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Customers_SearchFts_Delete\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Customers_SearchFts_Update\";");
            migrationBuilder.Sql($"""
                CREATE TRIGGER "Customers_SearchFts_Insert" AFTER INSERT ON "Customers" BEGIN
                {Add("new")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "Customers_SearchFts_Delete" AFTER DELETE ON "Customers" BEGIN
                {Remove("old")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "Customers_SearchFts_Update" AFTER UPDATE OF "SearchText" ON "Customers" BEGIN
                {Remove("old")}
                {Add("new")}
                END;
                """);
        }
    }
}
