using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReportTallyStatementTriggers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The change log's and customers' tally triggers, per row until now, run once per statement (same counts).
            global::CrmBlazor.Data.ReportTallies.DropPostgresStatementTriggers(migrationBuilder);
            global::CrmBlazor.Data.ReportTallies.CreatePostgresStatementTriggers(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing: the statement triggers count what the row triggers counted; ReportTallies' own Down drops them.
        }
    }
}
