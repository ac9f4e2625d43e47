using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
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

    /// <summary>
    /// The server ignores EF's warning about operations outside a transaction on SQLite (PersistenceSetup), because there the only
    /// such commands are the foreign-key pragmas around a table rebuild. A migration that adds any other fails here instead.
    /// </summary>
    [Fact]
    public void Sqlite_migrations_leave_their_transaction_only_for_the_foreign_key_pragmas_of_a_rebuild()
    {
        using var db = new AuthServer.Migrations.Sqlite.DesignTimeFactory().CreateDbContext([]);
        var migrations = db.GetService<IMigrationsAssembly>();
        var generator = db.GetService<IMigrationsSqlGenerator>();
        var initializer = db.GetService<IModelRuntimeInitializer>();

        var outside = new List<string>();
        foreach (var type in migrations.Migrations.Values)
        {
            var migration = migrations.CreateMigration(type, db.Database.ProviderName!);
            var model = migration.TargetModel is IMutableModel mutable ? mutable.FinalizeModel() : migration.TargetModel;
            foreach (var operations in new[] { migration.UpOperations, migration.DownOperations })
            {
                outside.AddRange(generator.Generate(operations, model is null ? null : initializer.Initialize(model))
                    .Where(c => c.TransactionSuppressed).Select(c => c.CommandText.Trim()));
            }
        }

        Assert.Contains("PRAGMA foreign_keys = 0;", outside);
        Assert.All(outside, sql => Assert.Contains(sql, new[] { "PRAGMA foreign_keys = 0;", "PRAGMA foreign_keys = 1;" }));
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
