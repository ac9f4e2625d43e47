using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AuthServer.Persistence;

/// <summary>
/// SQLite allows one writer at a time, and Microsoft.Data.Sqlite answers a busy database by sleeping 150 ms
/// before retrying: under concurrent refreshes much of the CPU sat idle while writers slept. Writers of this
/// process therefore queue here, in memory, and reach SQLite one at a time; readers never wait (WAL). Other processes on the same file
/// still meet SQLite's own busy handling.
/// </summary>
public sealed class SqliteWriteGate : DbCommandInterceptor, IDbTransactionInterceptor, IDbConnectionInterceptor, IDisposable
{
    private static readonly object s_held = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    // Who holds the gate: a connection (explicit transaction) or a command (lone write). Releasing is idempotent.
    private readonly ConditionalWeakTable<object, object> _holders = [];

    // Explicit transactions (several statements) hold the gate from BEGIN to COMMIT, ROLLBACK or the connection closing.
    // The BEGIN runs here: EF reports no failure of a BEGIN (another process holding the lock past the busy timeout),
    // and a gate not given back then would hold every later write of this process.
    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            var transaction = result.HasResult ? result.Result : await connection.BeginTransactionAsync(eventData.IsolationLevel, cancellationToken);
            _holders.AddOrUpdate(connection, s_held);
            return InterceptionResult<DbTransaction>.SuppressWithResult(transaction);
        }
        catch
        {
            _writer.Release();
            throw;
        }
    }

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        _writer.Wait();
        try
        {
            var transaction = result.HasResult ? result.Result : connection.BeginTransaction(eventData.IsolationLevel);
            _holders.AddOrUpdate(connection, s_held);
            return InterceptionResult<DbTransaction>.SuppressWithResult(transaction);
        }
        catch
        {
            _writer.Release();
            throw;
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        Release(eventData.Context?.Database.GetDbConnection());

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.Context?.Database.GetDbConnection());

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        Release(eventData.Context?.Database.GetDbConnection());

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.Context?.Database.GetDbConnection());

    // A failed BEGIN or COMMIT ends the transaction as far as the gate is concerned.
    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default) =>
        Release(eventData.Context?.Database.GetDbConnection());

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Release(eventData.Context?.Database.GetDbConnection());

    // A transaction disposed without COMMIT or ROLLBACK (an exception inside a using block) ends with its connection.
    public Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData) => Release(connection);

    public void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Release(connection);

    // A lone write statement (EF sends a single-statement SaveChanges without a transaction) holds the gate while it runs.
    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await EnterAsync(command, cancellationToken);
        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Enter(command);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release(command);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Release(command);
        return result;
    }

    // INSERT … RETURNING runs as a reader: SQLite keeps the write lock until the reader is disposed.
    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await EnterAsync(command, cancellationToken);
        return result;
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Enter(command);
        return result;
    }

    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        Release(command);
        return result;
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Release(command);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default) =>
        Release(command);

    public override void CommandCanceled(DbCommand command, CommandEndEventData eventData) => Release(command);

    public override Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default) =>
        Release(command);

    public void Dispose() => _writer.Dispose();

    private static bool IsLoneWrite(DbCommand command) =>
        command.Transaction is null && command.CommandText.AsSpan().TrimStart() is var text
        && (text.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase));

    private async ValueTask EnterAsync(DbCommand command, CancellationToken cancellationToken)
    {
        if (IsLoneWrite(command))
        {
            await _writer.WaitAsync(cancellationToken);
            _holders.AddOrUpdate(command, s_held);
        }
    }

    private void Enter(DbCommand command)
    {
        if (IsLoneWrite(command))
        {
            _writer.Wait();
            _holders.AddOrUpdate(command, s_held);
        }
    }

    private Task Release(object? holder)
    {
        if (holder is not null && _holders.Remove(holder))
        {
            _writer.Release();
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// WAL with synchronous=NORMAL: a commit no longer waits for an fsync. The database survives a process crash
/// intact; only an OS crash or power loss can drop the last commits, never corrupt the file (sqlite.org/wal.html).
/// The setting lives on the native connection, which the pool keeps open: EF opens the pooled connection for every
/// command, so the PRAGMA runs only the first time a native connection is seen, not once per statement.
/// </summary>
public sealed class SqliteConnectionTuning(string synchronous) : DbConnectionInterceptor
{
    private readonly string _pragma = $"PRAGMA synchronous={synchronous};";
    private readonly ConditionalWeakTable<object, object> _tuned = [];

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (IsNew(connection))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = _pragma;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (IsNew(connection))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _pragma;
            command.ExecuteNonQuery();
        }
    }

    private bool IsNew(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } native } || _tuned.TryAdd(native, native);
}
