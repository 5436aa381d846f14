using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class IndexDiet : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_Live",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Code",
                table: "Customers");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live",
                table: "Customers",
                column: "IsDeleted",
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Code",
                table: "Customers",
                columns: new[] { "Code", "Id", "IsDeleted" },
                filter: "NOT \"IsDeleted\"");
        }
    }
}
