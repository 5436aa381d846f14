using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class StageIndexesWithoutFilterColumn : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ChangeLog_Stage",
                table: "ChangeLog");

            migrationBuilder.DropIndex(
                name: "IX_ChangeLog_StageByCustomer",
                table: "ChangeLog");

            migrationBuilder.CreateIndex(
                name: "IX_ChangeLog_Stage",
                table: "ChangeLog",
                columns: new[] { "At", "CustomerId", "OldValue", "NewValue", "StageSince" },
                filter: "\"Field\" = 'RelationshipId'");

            migrationBuilder.CreateIndex(
                name: "IX_ChangeLog_StageByCustomer",
                table: "ChangeLog",
                columns: new[] { "CustomerId", "At", "Id", "OldValue" },
                filter: "\"Field\" = 'RelationshipId'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ChangeLog_Stage",
                table: "ChangeLog");

            migrationBuilder.DropIndex(
                name: "IX_ChangeLog_StageByCustomer",
                table: "ChangeLog");

            migrationBuilder.CreateIndex(
                name: "IX_ChangeLog_Stage",
                table: "ChangeLog",
                columns: new[] { "Field", "At", "CustomerId", "OldValue", "NewValue", "StageSince" },
                filter: "\"Field\" = 'RelationshipId'");

            migrationBuilder.CreateIndex(
                name: "IX_ChangeLog_StageByCustomer",
                table: "ChangeLog",
                columns: new[] { "Field", "CustomerId", "At", "Id", "OldValue" },
                filter: "\"Field\" = 'RelationshipId'");
        }
    }
}
