using Microsoft.EntityFrameworkCore.Migrations;


namespace CrmBlazor.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class OwnerContactIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_OwnerContact",
                table: "Customers",
                columns: new[] { "OwnerId", "LastContactAt", "CreatedAt", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_OwnerContact",
                table: "Customers");
        }
    }
}
