using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AuthServer.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class CompactTokenStorage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // SQL Server alters no column that a key or foreign key uses: those go first and come back after.
            migrationBuilder.DropForeignKey(name: "FK_OpenIddictTokens_OpenIddictApplications_ApplicationId", table: "OpenIddictTokens");
            migrationBuilder.DropForeignKey(name: "FK_OpenIddictTokens_OpenIddictAuthorizations_AuthorizationId", table: "OpenIddictTokens");
            migrationBuilder.DropForeignKey(name: "FK_OpenIddictAuthorizations_OpenIddictApplications_ApplicationId", table: "OpenIddictAuthorizations");
            migrationBuilder.DropPrimaryKey(name: "PK_OpenIddictTokens", table: "OpenIddictTokens");
            migrationBuilder.DropPrimaryKey(name: "PK_OpenIddictAuthorizations", table: "OpenIddictAuthorizations");
            migrationBuilder.DropPrimaryKey(name: "PK_OpenIddictApplications", table: "OpenIddictApplications");
            migrationBuilder.DropPrimaryKey(name: "PK_BrowserSessionGrants", table: "BrowserSessionGrants");

            migrationBuilder.DropIndex(
                name: "IX_OpenIddictTokens_ApplicationId_Status_Subject_Type",
                table: "OpenIddictTokens");

            migrationBuilder.DropIndex(
                name: "IX_OpenIddictTokens_Subject",
                table: "OpenIddictTokens");

            migrationBuilder.AlterColumn<string>(
                name: "Type",
                table: "OpenIddictTokens",
                type: "varchar(150)",
                unicode: false,
                maxLength: 150,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(150)",
                oldMaxLength: 150,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "Status",
                table: "OpenIddictTokens",
                type: "varchar(50)",
                unicode: false,
                maxLength: 50,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(50)",
                oldMaxLength: 50,
                oldNullable: true);

            migrationBuilder.AlterColumn<Guid>(
                name: "ConcurrencyToken",
                table: "OpenIddictTokens",
                type: "uniqueidentifier",
                maxLength: 50,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(50)",
                oldMaxLength: 50,
                oldNullable: true);

            migrationBuilder.AlterColumn<Guid>(
                name: "AuthorizationId",
                table: "OpenIddictTokens",
                type: "uniqueidentifier",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(450)",
                oldNullable: true);

            migrationBuilder.AlterColumn<Guid>(
                name: "ApplicationId",
                table: "OpenIddictTokens",
                type: "uniqueidentifier",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(450)",
                oldNullable: true);

            migrationBuilder.AlterColumn<Guid>(
                name: "Id",
                table: "OpenIddictTokens",
                type: "uniqueidentifier",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "nvarchar(450)");

            migrationBuilder.AlterColumn<Guid>(
                name: "ConcurrencyToken",
                table: "OpenIddictAuthorizations",
                type: "uniqueidentifier",
                maxLength: 50,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(50)",
                oldMaxLength: 50,
                oldNullable: true);

            migrationBuilder.AlterColumn<Guid>(
                name: "ApplicationId",
                table: "OpenIddictAuthorizations",
                type: "uniqueidentifier",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(450)",
                oldNullable: true);

            migrationBuilder.AlterColumn<Guid>(
                name: "Id",
                table: "OpenIddictAuthorizations",
                type: "uniqueidentifier",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "nvarchar(450)");

            migrationBuilder.AlterColumn<Guid>(
                name: "Id",
                table: "OpenIddictApplications",
                type: "uniqueidentifier",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "nvarchar(450)");

            migrationBuilder.AlterColumn<Guid>(
                name: "AuthorizationId",
                table: "BrowserSessionGrants",
                type: "uniqueidentifier",
                maxLength: 100,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "nvarchar(100)",
                oldMaxLength: 100);

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictTokens_ApplicationId",
                table: "OpenIddictTokens",
                column: "ApplicationId");

            migrationBuilder.AddPrimaryKey(name: "PK_OpenIddictApplications", table: "OpenIddictApplications", column: "Id");
            migrationBuilder.AddPrimaryKey(name: "PK_OpenIddictAuthorizations", table: "OpenIddictAuthorizations", column: "Id");
            migrationBuilder.AddPrimaryKey(name: "PK_OpenIddictTokens", table: "OpenIddictTokens", column: "Id");
            migrationBuilder.AddPrimaryKey(name: "PK_BrowserSessionGrants", table: "BrowserSessionGrants", columns: new[] { "SessionId", "AuthorizationId" });
            migrationBuilder.AddForeignKey(name: "FK_OpenIddictAuthorizations_OpenIddictApplications_ApplicationId", table: "OpenIddictAuthorizations", column: "ApplicationId", principalTable: "OpenIddictApplications", principalColumn: "Id");
            migrationBuilder.AddForeignKey(name: "FK_OpenIddictTokens_OpenIddictApplications_ApplicationId", table: "OpenIddictTokens", column: "ApplicationId", principalTable: "OpenIddictApplications", principalColumn: "Id");
            migrationBuilder.AddForeignKey(name: "FK_OpenIddictTokens_OpenIddictAuthorizations_AuthorizationId", table: "OpenIddictTokens", column: "AuthorizationId", principalTable: "OpenIddictAuthorizations", principalColumn: "Id");

            // Token types as their codes (AuthServer.Persistence.CompactStorage); GUID text converts to uniqueidentifier by itself.
            migrationBuilder.Sql("UPDATE [OpenIddictTokens] SET [Type] = CASE [Type] WHEN 'urn:ietf:params:oauth:token-type:refresh_token' THEN 'rt' WHEN 'urn:ietf:params:oauth:token-type:access_token' THEN 'at' WHEN 'urn:ietf:params:oauth:token-type:id_token' THEN 'it' WHEN 'urn:openiddict:params:oauth:token-type:authorization_code' THEN 'ac' WHEN 'urn:openiddict:params:oauth:token-type:device_code' THEN 'dc' WHEN 'urn:openiddict:params:oauth:token-type:user_code' THEN 'uc' WHEN 'urn:openiddict:params:oauth:token-type:request_token' THEN 'rq' ELSE [Type] END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // SQL Server alters no column that a key or foreign key uses: those go first and come back after.
            migrationBuilder.DropForeignKey(name: "FK_OpenIddictTokens_OpenIddictApplications_ApplicationId", table: "OpenIddictTokens");
            migrationBuilder.DropForeignKey(name: "FK_OpenIddictTokens_OpenIddictAuthorizations_AuthorizationId", table: "OpenIddictTokens");
            migrationBuilder.DropForeignKey(name: "FK_OpenIddictAuthorizations_OpenIddictApplications_ApplicationId", table: "OpenIddictAuthorizations");
            migrationBuilder.DropPrimaryKey(name: "PK_OpenIddictTokens", table: "OpenIddictTokens");
            migrationBuilder.DropPrimaryKey(name: "PK_OpenIddictAuthorizations", table: "OpenIddictAuthorizations");
            migrationBuilder.DropPrimaryKey(name: "PK_OpenIddictApplications", table: "OpenIddictApplications");
            migrationBuilder.DropPrimaryKey(name: "PK_BrowserSessionGrants", table: "BrowserSessionGrants");

            migrationBuilder.Sql("UPDATE [OpenIddictTokens] SET [Type] = CASE [Type] WHEN 'rt' THEN 'urn:ietf:params:oauth:token-type:refresh_token' WHEN 'at' THEN 'urn:ietf:params:oauth:token-type:access_token' WHEN 'it' THEN 'urn:ietf:params:oauth:token-type:id_token' WHEN 'ac' THEN 'urn:openiddict:params:oauth:token-type:authorization_code' WHEN 'dc' THEN 'urn:openiddict:params:oauth:token-type:device_code' WHEN 'uc' THEN 'urn:openiddict:params:oauth:token-type:user_code' WHEN 'rq' THEN 'urn:openiddict:params:oauth:token-type:request_token' ELSE [Type] END;");

            migrationBuilder.DropIndex(
                name: "IX_OpenIddictTokens_ApplicationId",
                table: "OpenIddictTokens");

            migrationBuilder.AlterColumn<string>(
                name: "Type",
                table: "OpenIddictTokens",
                type: "nvarchar(150)",
                maxLength: 150,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "varchar(150)",
                oldUnicode: false,
                oldMaxLength: 150,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "Status",
                table: "OpenIddictTokens",
                type: "nvarchar(50)",
                maxLength: 50,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "varchar(50)",
                oldUnicode: false,
                oldMaxLength: 50,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "ConcurrencyToken",
                table: "OpenIddictTokens",
                type: "nvarchar(50)",
                maxLength: 50,
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier",
                oldMaxLength: 50,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "AuthorizationId",
                table: "OpenIddictTokens",
                type: "nvarchar(450)",
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "ApplicationId",
                table: "OpenIddictTokens",
                type: "nvarchar(450)",
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "Id",
                table: "OpenIddictTokens",
                type: "nvarchar(450)",
                nullable: false,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier");

            migrationBuilder.AlterColumn<string>(
                name: "ConcurrencyToken",
                table: "OpenIddictAuthorizations",
                type: "nvarchar(50)",
                maxLength: 50,
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier",
                oldMaxLength: 50,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "ApplicationId",
                table: "OpenIddictAuthorizations",
                type: "nvarchar(450)",
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "Id",
                table: "OpenIddictAuthorizations",
                type: "nvarchar(450)",
                nullable: false,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier");

            migrationBuilder.AlterColumn<string>(
                name: "Id",
                table: "OpenIddictApplications",
                type: "nvarchar(450)",
                nullable: false,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier");

            migrationBuilder.AlterColumn<string>(
                name: "AuthorizationId",
                table: "BrowserSessionGrants",
                type: "nvarchar(100)",
                maxLength: 100,
                nullable: false,
                oldClrType: typeof(Guid),
                oldType: "uniqueidentifier",
                oldMaxLength: 100);

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictTokens_ApplicationId_Status_Subject_Type",
                table: "OpenIddictTokens",
                columns: new[] { "ApplicationId", "Status", "Subject", "Type" });

            migrationBuilder.CreateIndex(
                name: "IX_OpenIddictTokens_Subject",
                table: "OpenIddictTokens",
                column: "Subject");

            migrationBuilder.AddPrimaryKey(name: "PK_OpenIddictApplications", table: "OpenIddictApplications", column: "Id");
            migrationBuilder.AddPrimaryKey(name: "PK_OpenIddictAuthorizations", table: "OpenIddictAuthorizations", column: "Id");
            migrationBuilder.AddPrimaryKey(name: "PK_OpenIddictTokens", table: "OpenIddictTokens", column: "Id");
            migrationBuilder.AddPrimaryKey(name: "PK_BrowserSessionGrants", table: "BrowserSessionGrants", columns: new[] { "SessionId", "AuthorizationId" });
            migrationBuilder.AddForeignKey(name: "FK_OpenIddictAuthorizations_OpenIddictApplications_ApplicationId", table: "OpenIddictAuthorizations", column: "ApplicationId", principalTable: "OpenIddictApplications", principalColumn: "Id");
            migrationBuilder.AddForeignKey(name: "FK_OpenIddictTokens_OpenIddictApplications_ApplicationId", table: "OpenIddictTokens", column: "ApplicationId", principalTable: "OpenIddictApplications", principalColumn: "Id");
            migrationBuilder.AddForeignKey(name: "FK_OpenIddictTokens_OpenIddictAuthorizations_AuthorizationId", table: "OpenIddictTokens", column: "AuthorizationId", principalTable: "OpenIddictAuthorizations", principalColumn: "Id");
        }
    }
}
