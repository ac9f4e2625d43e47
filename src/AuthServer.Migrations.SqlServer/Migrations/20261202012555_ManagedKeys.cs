using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AuthServer.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class ManagedKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ManagedKeys",
                columns: table => new
                {
                    Kid = table.Column<string>(type: "varchar(64)", unicode: false, maxLength: 64, nullable: false),
                    Use = table.Column<string>(type: "varchar(16)", unicode: false, maxLength: 16, nullable: false),
                    Generation = table.Column<int>(type: "int", nullable: false),
                    Algorithm = table.Column<string>(type: "varchar(16)", unicode: false, maxLength: 16, nullable: false),
                    ProtectedKey = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    ActivatesAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    RetiresAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    RevokedAt = table.Column<DateTime>(type: "datetime2", nullable: true),
                    Actor = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ManagedKeys", x => x.Kid);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ManagedKeys_Use_Generation",
                table: "ManagedKeys",
                columns: new[] { "Use", "Generation" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ManagedKeys");
        }
    }
}
