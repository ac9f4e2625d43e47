using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AuthServer.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class SecurityEventFeed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SecurityEventStreams",
                columns: table => new
                {
                    Id = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: false),
                    ClientId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Description = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    LastPolledAt = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SecurityEventStreams", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SecurityEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    Jti = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: false),
                    Txn = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: false),
                    Type = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: false),
                    Subject = table.Column<string>(type: "nvarchar(450)", maxLength: 450, nullable: false),
                    ClientId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    SessionId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    RevokedSessions = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    Reason = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: false),
                    InitiatingEntity = table.Column<string>(type: "varchar(16)", unicode: false, maxLength: 16, nullable: false),
                    OccurredAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SecurityEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SecurityEventAcks",
                columns: table => new
                {
                    StreamId = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: false),
                    EventId = table.Column<long>(type: "bigint", nullable: false),
                    AckedAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    Error = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SecurityEventAcks", x => new { x.StreamId, x.EventId });
                    table.ForeignKey(
                        name: "FK_SecurityEventAcks_SecurityEventStreams_StreamId",
                        column: x => x.StreamId,
                        principalTable: "SecurityEventStreams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_SecurityEventAcks_SecurityEvents_EventId",
                        column: x => x.EventId,
                        principalTable: "SecurityEvents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SecurityEventAcks_EventId",
                table: "SecurityEventAcks",
                column: "EventId");

            migrationBuilder.CreateIndex(
                name: "IX_SecurityEventStreams_ClientId",
                table: "SecurityEventStreams",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_SecurityEventStreams_LastPolledAt",
                table: "SecurityEventStreams",
                column: "LastPolledAt");

            migrationBuilder.CreateIndex(
                name: "IX_SecurityEvents_ExpiresAt",
                table: "SecurityEvents",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_SecurityEvents_Jti",
                table: "SecurityEvents",
                column: "Jti",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SecurityEventAcks");

            migrationBuilder.DropTable(
                name: "SecurityEventStreams");

            migrationBuilder.DropTable(
                name: "SecurityEvents");
        }
    }
}
