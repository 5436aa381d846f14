using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OwnerIndexStage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers",
                columns: new[] { "OwnerId", "NameKey", "Id", "IsDeleted", "RelationshipId" },
                filter: "NOT \"IsDeleted\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers",
                columns: new[] { "OwnerId", "NameKey", "Id", "IsDeleted" },
                filter: "NOT \"IsDeleted\"");
        }
    }
}
