using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class StageStays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Comments_CreatedAt",
                table: "Comments");

            migrationBuilder.DropIndex(
                name: "IX_ChangeLog_Field_At",
                table: "ChangeLog");

            migrationBuilder.AddColumn<DateTime>(
                name: "StageSince",
                table: "ChangeLog",
                type: "TEXT",
                nullable: true);

            // Every stage change already logged gets its stay start, before the indexes that carry it are built.
            migrationBuilder.Sql(global::CrmBlazor.Data.StageStays.RebuildSql(migrationBuilder.ActiveProvider!, null));

            migrationBuilder.CreateIndex(
                name: "IX_Orders_Date",
                table: "Orders",
                columns: new[] { "OrderDate", "Status", "CustomerId", "AmountPaid" });

            migrationBuilder.CreateIndex(
                name: "IX_Comments_CreatedAt",
                table: "Comments",
                columns: new[] { "CreatedAt", "CustomerId", "IsDeleted" });

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

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Date",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_Comments_CreatedAt",
                table: "Comments");

            migrationBuilder.DropIndex(
                name: "IX_ChangeLog_Stage",
                table: "ChangeLog");

            migrationBuilder.DropIndex(
                name: "IX_ChangeLog_StageByCustomer",
                table: "ChangeLog");

            migrationBuilder.DropColumn(
                name: "StageSince",
                table: "ChangeLog");

            migrationBuilder.CreateIndex(
                name: "IX_Comments_CreatedAt",
                table: "Comments",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_ChangeLog_Field_At",
                table: "ChangeLog",
                columns: new[] { "Field", "At", "NewValue" });
        }
    }
}
