using System.Text;
using AuthServer.Persistence;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Tests;

/// <summary>
/// The SQL we write by hand on the refresh path (decisions 014 and 017), as both providers' models write it, with the token
/// table's columns and their stored formats (CompactStorage): the committed `docs/hot-path-sql.md`. An upgrade of
/// OpenIddict, Identity or EF Core that adds, renames or retypes a column changes it, and this test names the change
/// for review (the upgrade checklist is in decision 014). After an intended change:
/// `AUTHSERVER_WRITE_SQL=1 dotnet test tests/AuthServer.Tests --filter-class *HotPathSqlTests`.
/// </summary>
public sealed class HotPathSqlTests
{
    private static string CommittedPath => Path.GetFullPath(Path.Combine(ServerProcess.ContentRoot, "..", "..", "docs", "hot-path-sql.md"));

    [Fact]
    public void The_hand_written_statements_are_the_committed_ones()
    {
        using var sqlite = new AuthServer.Migrations.Sqlite.DesignTimeFactory().CreateDbContext([]);
        using var sqlServer = new AuthServer.Migrations.SqlServer.DesignTimeFactory().CreateDbContext([]);
        var text = new StringBuilder("""
            # Hand-written SQL on the refresh path

            Generated from both providers' EF Core models by `HotPathSqlTests` (tests/AuthServer.Tests/Persistence): do not
            edit by hand. Why these statements are not EF Core's, and what to check on an upgrade: decisions 014 and 017.

            """.ReplaceLineEndings("\n"));
        Provider(text, "SQLite", sqlite);
        Provider(text, "SQL Server", sqlServer);
        var rendered = text.ToString();
        CommittedFile.AssertMatches(CommittedPath, rendered, "AUTHSERVER_WRITE_SQL", nameof(HotPathSqlTests));
    }

    [Theory]
    [InlineData("user")]
    [InlineData("token")]
    public void A_column_the_model_gains_stops_the_first_statement_with_its_name(string table)
    {
        // What an upgrade of Identity or OpenIddict that adds a column looks like to the hand-written statements.
        using var db = new AuthDbContext(new DbContextOptionsBuilder<AuthDbContext>().WithIdentitySchema()
            .UseSqlite("Data Source=:memory:")
            .ReplaceService<IModelCustomizer, ExtraColumn>()
            .ReplaceService<IModelCacheKeyFactory, ExtraColumn.CacheKey>()
            .Options);
        ExtraColumn.Table = table;

        var failure = Assert.Throws<InvalidOperationException>(() => table == "user" ? UserWithRoles.Statement.For(db).Sql : TokenRowStatements.For(db).Insert);
        Assert.Contains("'Nickname'", failure.Message, StringComparison.Ordinal);
    }

    private sealed class ExtraColumn(ModelCustomizerDependencies dependencies) : RelationalModelCustomizer(dependencies)
    {
        public static string Table { get; set; } = "user";

        public override void Customize(ModelBuilder builder, DbContext context)
        {
            base.Customize(builder, context);
            if (Table == "user")
            {
                builder.Entity<IdentityUser>().Property<string>("Nickname");
            }
            else
            {
                builder.Entity<OpenIddictEntityFrameworkCoreToken>().Property<string>("Nickname");
            }
        }

        /// <summary>One model per case: EF Core caches models by context type otherwise.</summary>
        public sealed class CacheKey : IModelCacheKeyFactory
        {
            public object Create(DbContext context, bool designTime) => (context.GetType(), Table, designTime);
        }
    }

    private static void Provider(StringBuilder text, string name, AuthDbContext db)
    {
        var tokens = TokenRowStatements.For(db);
        text.Append($"\n## {name}\n\n");
        Statement(text, "A token row written (`Persistence/DirectWriteTokenStore.cs`)", tokens.Insert);
        Statement(text, "A token row updated, every column (a tracked entry sets only those it changed)", tokens.Update(tokens.All));
        Statement(text, "A refresh token redeemed while it and its chain are live (`Refresh/RefreshGrant.cs`, decision 017)", tokens.Redeem);
        Statement(text, "A user with their role names and their session's end (`Persistence/UserWithRoles.cs`)", UserWithRoles.Statement.For(db).Sql);
        text.Append("Token columns as stored (`AuthServer.Persistence/CompactStorage.cs`):\n\n| property | column | type | converter |\n|---|---|---|---|\n");
        foreach (var property in db.Model.FindEntityType(typeof(OpenIddictEntityFrameworkCoreToken))!.GetProperties())
        {
            text.Append($"| {property.Name} | {property.GetColumnName()} | {property.GetColumnType()} | {property.GetValueConverter()?.GetType().Name ?? "none"} |\n");
        }
    }

    private static void Statement(StringBuilder text, string title, string sql) =>
        text.Append(title).Append(":\n\n```sql\n").Append(sql).Append("\n```\n\n");
}
