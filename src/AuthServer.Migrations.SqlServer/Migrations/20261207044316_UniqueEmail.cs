using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AuthServer.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class UniqueEmail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Existing duplicates are not merged or renamed here (which account keeps the address is an operator's call): the
            // upgrade stops and names them. The server's own migrate (DatabaseInitializer) names them on SQLite too.
            migrationBuilder.Sql(@"DECLARE @duplicates nvarchar(max) = (SELECT STRING_AGG(CONVERT(nvarchar(max), [NormalizedEmail]), N', ')
    FROM (SELECT [NormalizedEmail] FROM [AspNetUsers] WHERE [NormalizedEmail] IS NOT NULL GROUP BY [NormalizedEmail] HAVING COUNT(*) > 1) AS d);
IF @duplicates IS NOT NULL
BEGIN
    DECLARE @message nvarchar(2048) = LEFT(N'Several users share an e-mail address; give each its own (admin API or CLI) before this upgrade: ' + @duplicates, 2048);
    THROW 50000, @message, 1;
END");

            migrationBuilder.DropIndex(
                name: "EmailIndex",
                table: "AspNetUsers");

            migrationBuilder.CreateIndex(
                name: "EmailIndex",
                table: "AspNetUsers",
                column: "NormalizedEmail",
                unique: true,
                filter: "[NormalizedEmail] IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "EmailIndex",
                table: "AspNetUsers");

            migrationBuilder.CreateIndex(
                name: "EmailIndex",
                table: "AspNetUsers",
                column: "NormalizedEmail");
        }
    }
}
