using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrmBlazor.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReportTallies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ReportTallies",
                columns: table => new
                {
                    Kind = table.Column<int>(type: "integer", nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    OwnerId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Key = table.Column<int>(type: "integer", nullable: false),
                    Days = table.Column<int>(type: "integer", nullable: false),
                    Count = table.Column<int>(type: "integer", nullable: false),
                    Cents = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportTallies", x => new { x.Kind, x.At, x.OwnerId, x.Key, x.Days });
                });

            // The counts of every row already stored, then the triggers that keep them.
            migrationBuilder.Sql(global::CrmBlazor.Data.ReportTallies.RebuildSql(migrationBuilder.ActiveProvider!));
            global::CrmBlazor.Data.ReportTallies.CreatePostgres(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            global::CrmBlazor.Data.ReportTallies.DropPostgres(migrationBuilder);
            migrationBuilder.DropTable(
                name: "ReportTallies");
        }
    }
}
