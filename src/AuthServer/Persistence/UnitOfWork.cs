using Microsoft.EntityFrameworkCore;

namespace AuthServer.Persistence;

/// <summary>Several statements that must commit together (a session's end and the notices it owes).</summary>
public static class UnitOfWork
{
    /// <summary>
    /// Runs the work in one transaction, or in the caller's when one is open. SQL Server's retrying execution strategy
    /// refuses a bare user transaction, so the whole unit is handed to it and retried whole.
    /// </summary>
    public static Task<T> RunAsync<T>(AuthDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return work(cancellationToken);
        }

        return db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            var result = await work(token);
            await transaction.CommitAsync(token);
            return result;
        }, cancellationToken);
    }
}
