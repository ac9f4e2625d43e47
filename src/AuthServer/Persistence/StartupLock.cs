using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Persistence;

/// <summary>
/// Instances that start together on one database take turns through their start-up writes (migrations, the client
/// catalog, the demo seed, the first keys, the Data Protection ring): the first does them, the others find them done.
/// SQL Server: an application lock (<c>sp_getapplock</c>) owned by a connection of its own, taken in <c>master</c> and named
/// after the database (which may not exist yet: migrate-on-start creates it), or in the database itself where the login
/// cannot use <c>master</c> (a contained user on Azure SQL). SQLite: an exclusive lock on a
/// file beside the database, which holds for processes on one host (the only way to share a SQLite file safely). The lock
/// is released once the host has started, and dies with the process if it crashes, so no instance can leave it held.
/// </summary>
public sealed partial class StartupLock : IAsyncDisposable
{
    private const string Resource = "AuthServer.Startup";

    /// <summary>By name: a server on SQLite never loads SQL Server's provider, which would only take memory.</summary>
    private const string SqlServerProvider = "Microsoft.EntityFrameworkCore.SqlServer";
    private static readonly TimeSpan s_retry = TimeSpan.FromMilliseconds(50);

    private readonly FileStream? _file;
    private readonly DbConnection? _connection;

    private StartupLock(FileStream? file, DbConnection? connection)
    {
        _file = file;
        _connection = connection;
    }

    /// <summary>Waits for the lock at most <paramref name="timeout"/>, then fails the start with a message that says why.</summary>
    public static async Task<StartupLock> AcquireAsync(AuthDbContext db, string connectionString, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        StartupLock held;
        if (db.Database.IsSqlite())
        {
            held = new StartupLock(await LockFileAsync(db.Database.GetDbConnection().DataSource, timeout, cancellationToken), connection: null);
        }
        else if (db.Database.ProviderName == SqlServerProvider)
        {
            held = new StartupLock(file: null, await AppLockAsync(db, connectionString, timeout, cancellationToken));
        }
        else
        {
            return new StartupLock(null, null);
        }

        LogAcquired(logger, (DateTime.UtcNow - started).TotalMilliseconds);
        return held;
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync();
        }

        if (_connection is not null)
        {
            // Closing the session releases its session-owned application lock.
            await _connection.DisposeAsync();
        }
    }

    private static async Task<FileStream?> LockFileAsync(string? database, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (database is not { Length: > 0 } || database == ":memory:")
        {
            return null;
        }

        var path = Path.GetFullPath(database) + ".startup-lock";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock that every other process opening the file respects.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
            }
            catch (IOException) when (!deadline.IsCancellationRequested)
            {
                await Task.Delay(s_retry, CancellationToken.None);
            }
            catch (IOException ex)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new InvalidOperationException(
                    $"Another instance held the start-up lock '{path}' for more than {timeout.TotalSeconds:0} s; is one stuck starting?", ex);
            }
        }
    }

    private static async Task<DbConnection> AppLockAsync(AuthDbContext db, string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // A connection of its own, outside the context's pool, so the lock outlives every unit of work of the start.
        var factory = DbProviderFactories.GetFactory(db.Database.GetDbConnection())
            ?? throw new InvalidOperationException("The database provider has no factory for a connection of its own.");
        var settings = factory.CreateConnectionStringBuilder()!;
        settings.ConnectionString = connectionString;

        // Unpooled: disposing it must end the session, and with it the lock, not park it in the pool still held.
        settings["Pooling"] = false;
        var inDatabase = settings.ConnectionString;
        var database = Convert.ToString(settings["Initial Catalog"], System.Globalization.CultureInfo.InvariantCulture) ?? "";
        settings["Initial Catalog"] = "master";
        try
        {
            return await AppLockAsync(factory, settings.ConnectionString, $"{Resource}.{database}", timeout, cancellationToken);
        }
        catch (DbException)
        {
            // No access to master: the database itself, which then must exist already (a contained user's always does).
            return await AppLockAsync(factory, inDatabase, Resource, timeout, cancellationToken);
        }
    }

    private static async Task<DbConnection> AppLockAsync(DbProviderFactory factory, string connectionString, string resource, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var own = factory.CreateConnection()!;
        own.ConnectionString = connectionString;
        try
        {
            await own.OpenAsync(cancellationToken);
            await using var command = own.CreateCommand();
            command.CommandText = "DECLARE @result int; "
                + "EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @timeout; "
                + "SELECT @result;";
            command.CommandTimeout = (int)timeout.TotalSeconds + 30;
            command.Parameters.Add(Parameter(command, "@resource", DbType.String, resource));
            command.Parameters.Add(Parameter(command, "@timeout", DbType.Int32, (int)timeout.TotalMilliseconds));

            // 0: granted at once, 1: granted after waiting; negative: timed out, cancelled, deadlock victim or error.
            var result = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            if (result < 0)
            {
                throw new InvalidOperationException(
                    $"Another instance held the start-up application lock '{resource}' for more than {timeout.TotalSeconds:0} s (sp_getapplock returned {result}); is one stuck starting?");
            }

            return own;
        }
        catch
        {
            await own.DisposeAsync();
            throw;
        }
    }

    private static DbParameter Parameter(DbCommand command, string name, DbType type, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value;
        return parameter;
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Start-up lock acquired after {Milliseconds:0} ms")]
    private static partial void LogAcquired(ILogger logger, double milliseconds);
}
