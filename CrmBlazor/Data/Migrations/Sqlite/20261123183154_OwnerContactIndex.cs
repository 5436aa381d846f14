using Microsoft.EntityFrameworkCore.Migrations;


namespace CrmBlazor.Data.Migrations.Sqlite
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
                filter: "NOT \"IsDeleted\"");
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
