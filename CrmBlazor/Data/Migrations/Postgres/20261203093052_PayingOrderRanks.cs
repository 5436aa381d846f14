using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PayingOrderRanks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Report",
                table: "Orders");

            migrationBuilder.AddColumn<int>(
                name: "PayingRank",
                table: "Orders",
                type: "integer",
                nullable: true);

            // Every order already stored gets its rank, before the indexes that carry it are built.
            migrationBuilder.Sql(global::CrmBlazor.Data.PayingOrders.RebuildSql(migrationBuilder.ActiveProvider!, null));

            migrationBuilder.CreateIndex(
                name: "IX_Orders_Paying",
                table: "Orders",
                columns: new[] { "PayingRank", "OrderDate", "CustomerId" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_Report",
                table: "Orders",
                columns: new[] { "CustomerId", "PayingRank", "OrderDate" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Paying",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_Orders_Report",
                table: "Orders");

            migrationBuilder.DropColumn(
                name: "PayingRank",
                table: "Orders");

            migrationBuilder.CreateIndex(
                name: "IX_Orders_Report",
                table: "Orders",
                columns: new[] { "CustomerId", "Status", "OrderDate", "AmountPaid" });
        }
    }
}
