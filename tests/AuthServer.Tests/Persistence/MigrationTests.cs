using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AuthServer.Tests;

/// <summary>Both providers' migrations match the model: nobody changed the DbContext without adding a migration.</summary>
public sealed class MigrationTests
{
    [Fact]
    public void Sqlite_model_has_no_pending_changes()
    {
        using var db = new AuthServer.Migrations.Sqlite.DesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), "Run: dotnet ef migrations add <Name> --project src/AuthServer.Migrations.Sqlite");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void SqlServer_model_has_no_pending_changes()
    {
        using var db = new AuthServer.Migrations.SqlServer.DesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), "Run: dotnet ef migrations add <Name> --project src/AuthServer.Migrations.SqlServer");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void SqlServer_script_indexes_every_hot_lookup()
    {
        using var db = new AuthServer.Migrations.SqlServer.DesignTimeFactory().CreateDbContext([]);

        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("CREATE UNIQUE INDEX [UserNameIndex] ON [AspNetUsers] ([NormalizedUserName])", script, StringComparison.Ordinal);
        Assert.Contains("CREATE INDEX [EmailIndex] ON [AspNetUsers] ([NormalizedEmail])", script, StringComparison.Ordinal);
        Assert.Contains("ON [OpenIddictTokens] ([ReferenceId])", script, StringComparison.Ordinal);
        Assert.Contains("ON [OpenIddictTokens] ([AuthorizationId])", script, StringComparison.Ordinal);
        Assert.Contains("ON [OpenIddictTokens] ([ApplicationId])", script, StringComparison.Ordinal);
        Assert.Contains("ON [OpenIddictTokens] ([ExpirationDate])", script, StringComparison.Ordinal);
        Assert.Contains("ON [OpenIddictAuthorizations] ([Subject])", script, StringComparison.Ordinal);

        // One e-mail names one user; an upgrade over duplicates stops and names them instead of failing on the index.
        Assert.Contains("CREATE UNIQUE INDEX [EmailIndex] ON [AspNetUsers] ([NormalizedEmail]) WHERE [NormalizedEmail] IS NOT NULL", script, StringComparison.Ordinal);
        Assert.Contains("Several users share an e-mail address", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_provider_reads_its_own_migrations_assembly()
    {
        using var sqlite = new AuthServer.Migrations.Sqlite.DesignTimeFactory().CreateDbContext([]);
        using var sqlServer = new AuthServer.Migrations.SqlServer.DesignTimeFactory().CreateDbContext([]);

        Assert.True(sqlite.Database.IsSqlite());
        Assert.True(sqlServer.Database.IsSqlServer());
        Assert.IsType<AuthDbContext>(sqlite);
    }
}
