using Microsoft.EntityFrameworkCore.Migrations;


namespace CrmBlazor.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class GroupPositions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Position",
                table: "CustomerGroups",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            // Groups were listed by name until now: they keep that order (R1.1 groups, ordered by drag and drop from here on).
            migrationBuilder.Sql(@"UPDATE ""CustomerGroups"" SET ""Position"" = (SELECT COUNT(*) FROM ""CustomerGroups"" AS g WHERE g.""Name"" < ""CustomerGroups"".""Name"" OR (g.""Name"" = ""CustomerGroups"".""Name"" AND g.""Id"" < ""CustomerGroups"".""Id""));");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Position",
                table: "CustomerGroups");
        }
    }
}
