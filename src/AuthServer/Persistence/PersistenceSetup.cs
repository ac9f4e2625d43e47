using System.Runtime.CompilerServices;
using AuthServer.Settings;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace AuthServer.Persistence;

public static class PersistenceSetup
{
    private const string SqliteMigrations = "AuthServer.Migrations.Sqlite";
    private const string SqlServerMigrations = "AuthServer.Migrations.SqlServer";

    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.BindSettings<DatabaseOptions>(DatabaseOptions.Section);
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();

        var database = configuration.ReadBeforeStart<DatabaseOptions>(DatabaseOptions.Section);
        var connectionString = database.Provider == DatabaseProvider.Sqlite
            ? ResolveSqlitePath(database.ConnectionString, environment.ContentRootPath)
            : database.ConnectionString;

        // One gate per process: every pooled context shares it.
        services.AddSingleton<SqliteWriteGate>();
        var tuning = new SqliteConnectionTuning(database.SqliteSynchronous.ToString().ToUpperInvariant());
        services.AddDbContextPool<AuthDbContext>((services, options) =>
        {
            _ = database.Provider switch
            {
                DatabaseProvider.Sqlite => options
                    .UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(SqliteMigrations))
                    .AddInterceptors(services.GetRequiredService<SqliteWriteGate>(), tuning)
                    // CompactTokenStorage converts its rows in SQL between table rebuilds, in the order its upgrade test
                    // proves (CompactStorageTests); EF's generic doubt about that order would greet every first start with 20 warnings.
                    // A table rebuild (CompactTokenStorage's column types) needs PRAGMA foreign_keys off, which SQLite ignores inside a
                    // transaction, so EF commits around it on purpose: on SQLite those pragmas are the only commands run outside a
                    // transaction, and MigrationTests fails a migration that adds any other, so this silences nothing that a person could act on.
                    .ConfigureWarnings(warnings => warnings.Ignore(
                        SqliteEventId.TableRebuildPendingWarning, RelationalEventId.NonTransactionalMigrationOperationWarning)),
                DatabaseProvider.SqlServer => UseSqlServer(options, connectionString),
                _ => throw new InvalidOperationException($"Unknown database provider '{database.Provider}'."),
            };
            options.UseOpenIddict();
        }, database.ContextPoolSize);

        // Identity's tables with passkeys: its context reads the version from the application's options (Persistence/IdentitySchema).
        services.Configure<Microsoft.AspNetCore.Identity.IdentityOptions>(identity => identity.Stores.SchemaVersion = IdentitySchema.Version);

        // Registered before Data Protection's own hosted service, which reads the key ring from the schema this creates.
        services.AddHostedService<DatabaseInitializer>();

        // Cookies, antiforgery tokens and the stored signing keys must decrypt on every instance, so the key ring lives in
        // the shared database, encrypted at rest outside Development (DataProtection:Protection).
        services.BindSettings<KeyRingProtectionOptions>(KeyRingProtectionOptions.Section);
        services.AddDataProtection()
            .SetApplicationName("AuthServer")
            .PersistKeysToDbContext<AuthDbContext>()
            .ProtectKeyRing(configuration, environment);
        return services;
    }

    /// <summary>Its own method, so that a server on SQLite never loads SQL Server's provider and client libraries (memory).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DbContextOptionsBuilder UseSqlServer(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlServer(connectionString, sql => sql.MigrationsAssembly(SqlServerMigrations).EnableRetryOnFailure());

    /// <summary>Anchors a relative SQLite file to the content root and makes sure its folder exists.</summary>
    private static string ResolveSqlitePath(string connectionString, string contentRoot)
    {
        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            return connectionString; // DatabaseOptionsValidator names the problem before anything connects.
        }

        if (builder.DataSource is { Length: > 0 } path && path != ":memory:" && !Path.IsPathRooted(path))
        {
            builder.DataSource = Path.Combine(contentRoot, path);
        }

        if (Path.GetDirectoryName(builder.DataSource) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        builder.Pooling = true;
        return builder.ToString();
    }
}
