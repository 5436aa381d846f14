using Microsoft.EntityFrameworkCore.Migrations;


namespace CrmBlazor.Data.Migrations.SqlServer
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
                type: "int",
                nullable: false,
                defaultValue: 0);

            // Groups were listed by name until now: they keep that order (R1.1 groups, ordered by drag and drop from here on).
            migrationBuilder.Sql(@"UPDATE c SET [Position] = (SELECT COUNT(*) FROM [CustomerGroups] AS g WHERE g.[Name] < c.[Name] OR (g.[Name] = c.[Name] AND g.[Id] < c.[Id])) FROM [CustomerGroups] AS c;");
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
