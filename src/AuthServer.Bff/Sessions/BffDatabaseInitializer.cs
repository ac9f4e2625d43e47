using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AuthServer.Bff.Sessions;

/// <summary>
/// Brings the session database up to date at start where configured (SQLite by default); otherwise refuses to start on
/// a schema older than the code, so a forgotten migration fails loudly instead of on the first sign-in.
/// </summary>
public sealed class BffDatabaseInitializer<TContext>(IDbContextFactory<TContext> contexts, IOptions<AuthServerBffOptions> options,
    ILogger<BffDatabaseInitializer<TContext>> logger) : IHostedService
    where TContext : BffDbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (!options.Value.ShouldMigrateOnStartup)
        {
            if (pending.Count > 0)
            {
                throw new InvalidOperationException(
                    $"The BFF session database is missing {pending.Count} migration(s), starting with '{pending[0]}'. Apply them first (docs/decisions/011-bff-session-store.md).");
            }

            return;
        }

        if (db.Database.IsSqlite() && new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource is { Length: > 0 } file
            && Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        if (pending.Count > 0)
        {
            await db.Database.MigrateAsync(cancellationToken);
        }

        if (db.Database.IsSqlite())
        {
            // WAL lets every instance read while one writes; the setting is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        BffLog.Migrated(logger, pending.Count, db.Database.ProviderName ?? "unknown");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
