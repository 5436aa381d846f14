using Microsoft.EntityFrameworkCore.Migrations;



namespace CrmBlazor.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UnassignedByCreatorIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Customers_OwnerId_CreatedById",
                table: "Customers",
                columns: new[] { "OwnerId", "CreatedById" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_OwnerId_CreatedById",
                table: "Customers");
        }
    }
}
