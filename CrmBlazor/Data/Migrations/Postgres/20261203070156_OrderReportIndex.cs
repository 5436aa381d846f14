using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OrderReportIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Orders_Report",
                table: "Orders",
                columns: new[] { "CustomerId", "Status", "OrderDate", "AmountPaid" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Report",
                table: "Orders");
        }
    }
}
