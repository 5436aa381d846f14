using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class ReportEntryColumns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers");

            migrationBuilder.AddColumn<int>(
                name: "EntryRelationshipId",
                table: "Customers",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateOnly>(
                name: "FirstPaidOn",
                table: "Customers",
                type: "date",
                nullable: true);

            // Every stored customer gets its entry stage and the date of its first paying order, before the index that
            // carries them is built.
            migrationBuilder.Sql(global::CrmBlazor.Data.StageStays.EntrySql(migrationBuilder.ActiveProvider!));
            migrationBuilder.Sql(global::CrmBlazor.Data.PayingOrders.FirstPaidSql(migrationBuilder.ActiveProvider!, null));

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers",
                columns: new[] { "CreatedAt", "Id", "IsDeleted", "SourceId", "EntryRelationshipId", "FirstPaidOn", "OwnerId" },
                filter: "[IsDeleted] = CAST(0 AS bit)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers");

            migrationBuilder.DropColumn(
                name: "EntryRelationshipId",
                table: "Customers");

            migrationBuilder.DropColumn(
                name: "FirstPaidOn",
                table: "Customers");

            migrationBuilder.CreateIndex(
                name: "IX_Customers_Live_CreatedAt",
                table: "Customers",
                columns: new[] { "CreatedAt", "Id", "IsDeleted" },
                filter: "[IsDeleted] = CAST(0 AS bit)");
        }
    }
}
