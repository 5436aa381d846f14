using Microsoft.EntityFrameworkCore.Migrations;



namespace CrmBlazor.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class CoveringLiveIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Code",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_LastContact",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_NameKey",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Relationship",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Source",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Code",
                table: "Customers",
                columns: new[] { "Code", "Id", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers",
                columns: new[] { "CreatedAt", "Id", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_LastContact",
                table: "Customers",
                columns: new[] { "LastContactAt", "Id", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_NameKey",
                table: "Customers",
                columns: new[] { "NameKey", "Id", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers",
                columns: new[] { "OwnerId", "NameKey", "Id", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Relationship",
                table: "Customers",
                columns: new[] { "RelationshipId", "NameKey", "Id", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Source",
                table: "Customers",
                columns: new[] { "SourceId", "Id", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Code",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_LastContact",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_NameKey",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Relationship",
                table: "Customers");

            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_Source",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Code",
                table: "Customers",
                columns: new[] { "Code", "Id" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers",
                columns: new[] { "CreatedAt", "Id" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_LastContact",
                table: "Customers",
                columns: new[] { "LastContactAt", "Id" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_NameKey",
                table: "Customers",
                columns: new[] { "NameKey", "Id" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers",
                columns: new[] { "OwnerId", "NameKey", "Id" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Relationship",
                table: "Customers",
                columns: new[] { "RelationshipId", "NameKey", "Id" },
                filter: "[IsDeleted] = CAST(0 AS bit)");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Source",
                table: "Customers",
                columns: new[] { "SourceId", "Id" },
                filter: "[IsDeleted] = CAST(0 AS bit)");
        }
    }
}
