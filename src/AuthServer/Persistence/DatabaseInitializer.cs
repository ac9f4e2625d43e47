using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.Persistence;

/// <summary>
/// Brings the schema up to date at start where configured (SQLite by default); otherwise refuses to
/// serve from a schema older than the code, so a forgotten `migrate` fails loudly instead of per request.
/// First it takes the start-up lock, held until the host has started: every start-up writer registered after this one
/// (client catalog, demo seed, keys, the Data Protection ring) runs while no other instance runs its own.
/// </summary>
public sealed partial class DatabaseInitializer(
    IServiceProvider services, IOptions<DatabaseOptions> options, IHostApplicationLifetime lifetime, ILogger<DatabaseInitializer> logger)
    : IHostedService
{
    private StartupLock? _lock;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            _lock = await StartupLock.AcquireAsync(
                scope.ServiceProvider.GetRequiredService<AuthDbContext>(), options.Value.ConnectionString, options.Value.StartupLockTimeout, logger, cancellationToken);
        }

        lifetime.ApplicationStarted.Register(() => _ = ReleaseAsync());
        await InitializeAsync(cancellationToken);
    }

    /// <summary>Also on a failed start: the host stops its services, and the next instance must not wait for a process that gave up.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => ReleaseAsync();

    private async Task ReleaseAsync()
    {
        if (Interlocked.Exchange(ref _lock, null) is { } held)
        {
            await held.DisposeAsync();
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (options.Value.ShouldMigrateOnStartup)
        {
            await MigrateAsync(services, cancellationToken);
            return;
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            throw new InvalidOperationException(
                $"The database is missing {pending.Count} migration(s), starting with '{pending[0]}'. Run `AuthServer migrate` or apply deploy/sql/migrate.sql first.");
        }
    }

    /// <summary>Applies every pending migration; the `migrate` command and migrate-on-start both come here.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILogger<DatabaseInitializer>>();

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        // Only on a database that has users already: a new one has no table to look in.
        if (pending.Any(id => id.EndsWith(UniqueEmailMigration, StringComparison.Ordinal)) && db.Database.GetMigrations().Count() > pending.Count)
        {
            await RefuseDuplicateEmailsAsync(db, cancellationToken);
        }

        if (pending.Count > 0)
        {
            // Only when there is work: MigrateAsync also diffs the model against the snapshot, which would add to every
            // start. MigrationTests keep model and migrations in step instead.
            await db.Database.MigrateAsync(cancellationToken);
        }

        if (db.Database.IsSqlite())
        {
            // WAL lets readers run beside the writer; the setting is stored in the file, so once is enough.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        LogMigrated(logger, pending.Count, db.Database.ProviderName ?? "unknown");
    }

    private const string UniqueEmailMigration = "_UniqueEmail";

    /// <summary>
    /// The migration that makes e-mails unique cannot pick which of two accounts keeps an address: that is an operator's
    /// call, so the upgrade stops and names them (SQLite cannot name them from inside the migration; SQL Server's does too).
    /// </summary>
    private static async Task RefuseDuplicateEmailsAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
        var duplicates = await db.Users.Where(u => u.NormalizedEmail != null)
            .GroupBy(u => u.NormalizedEmail).Where(g => g.Count() > 1).Select(g => g.Key!).Take(20).ToListAsync(cancellationToken);
        if (duplicates.Count > 0)
        {
            throw new InvalidOperationException(
                $"Several users share an e-mail address; give each its own (admin API or CLI) before this upgrade: {string.Join(", ", duplicates)}.");
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Database schema is current: applied {Count} migration(s) on {Provider}")]
    private static partial void LogMigrated(ILogger logger, int count, string provider);
}
