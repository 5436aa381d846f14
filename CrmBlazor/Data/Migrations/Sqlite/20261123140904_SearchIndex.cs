using Microsoft.EntityFrameworkCore.Migrations;



namespace CrmBlazor.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // FTS5 trigram index over Customers.SearchText (external content), kept in step by triggers, so quick
            // search (LIKE '%…%') reads the index instead of every customer.
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "CustomerSearchFts" USING fts5("SearchText", content='Customers', content_rowid='Id', tokenize='trigram');
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Customers_SearchFts_Insert" AFTER INSERT ON "Customers" BEGIN
                  INSERT INTO "CustomerSearchFts"(rowid, "SearchText") VALUES (new."Id", new."SearchText");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Customers_SearchFts_Delete" AFTER DELETE ON "Customers" BEGIN
                  INSERT INTO "CustomerSearchFts"("CustomerSearchFts", rowid, "SearchText") VALUES ('delete', old."Id", old."SearchText");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Customers_SearchFts_Update" AFTER UPDATE OF "SearchText" ON "Customers" BEGIN
                  INSERT INTO "CustomerSearchFts"("CustomerSearchFts", rowid, "SearchText") VALUES ('delete', old."Id", old."SearchText");
                  INSERT INTO "CustomerSearchFts"(rowid, "SearchText") VALUES (new."Id", new."SearchText");
                END;
                """);
            migrationBuilder.Sql("INSERT INTO \"CustomerSearchFts\"(\"CustomerSearchFts\") VALUES ('rebuild');");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Customers_SearchFts_Update\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Customers_SearchFts_Delete\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Customers_SearchFts_Insert\";");
            migrationBuilder.Sql("DROP TABLE IF EXISTS \"CustomerSearchFts\";");
        }
    }
}
