using Microsoft.EntityFrameworkCore.Migrations;



namespace CrmBlazor.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SearchIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Trigram GIN index: quick search (LIKE '%…%' on the folded SearchText) reads the index, not every row.
            migrationBuilder.Sql("CREATE EXTENSION IF NOT EXISTS pg_trgm;");
            migrationBuilder.Sql("CREATE INDEX \"IX_Customers_SearchText_Trgm\" ON \"Customers\" USING gin (\"SearchText\" gin_trgm_ops);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS \"IX_Customers_SearchText_Trgm\";");
        }
    }
}
