using Microsoft.EntityFrameworkCore.Migrations;



namespace CrmBlazor.Data.Migrations.Sqlite
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
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers",
                columns: new[] { "CreatedAt", "Id", "IsDeleted" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_LastContact",
                table: "Customers",
                columns: new[] { "LastContactAt", "Id", "IsDeleted" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_NameKey",
                table: "Customers",
                columns: new[] { "NameKey", "Id", "IsDeleted" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers",
                columns: new[] { "OwnerId", "NameKey", "Id", "IsDeleted" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Relationship",
                table: "Customers",
                columns: new[] { "RelationshipId", "NameKey", "Id", "IsDeleted" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Source",
                table: "Customers",
                columns: new[] { "SourceId", "Id", "IsDeleted" },
                filter: "NOT \"IsDeleted\"");
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
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers",
                columns: new[] { "CreatedAt", "Id" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_LastContact",
                table: "Customers",
                columns: new[] { "LastContactAt", "Id" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_NameKey",
                table: "Customers",
                columns: new[] { "NameKey", "Id" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Owner",
                table: "Customers",
                columns: new[] { "OwnerId", "NameKey", "Id" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Relationship",
                table: "Customers",
                columns: new[] { "RelationshipId", "NameKey", "Id" },
                filter: "NOT \"IsDeleted\"");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_Source",
                table: "Customers",
                columns: new[] { "SourceId", "Id" },
                filter: "NOT \"IsDeleted\"");
        }
    }
}
