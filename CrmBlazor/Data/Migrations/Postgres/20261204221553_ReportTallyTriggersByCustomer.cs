using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReportTallyTriggersByCustomer : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The customers' tally trigger reads each moved customer's rows through the customer indexes (same counts).
            global::CrmBlazor.Data.ReportTallies.DropPostgresStatementTriggers(migrationBuilder);
            global::CrmBlazor.Data.ReportTallies.CreatePostgresStatementTriggers(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing: the triggers count what they counted before; ReportTallies' own Down drops them.
        }
    }
}
