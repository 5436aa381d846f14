using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class ReferrerIndexPartial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_ReferrerCustomerId",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_ReferrerCustomerId",
                table: "Customers",
                column: "ReferrerCustomerId",
                filter: "[ReferrerCustomerId] IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_ReferrerCustomerId",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_ReferrerCustomerId",
                table: "Customers",
                column: "ReferrerCustomerId");
        }
    }
}
