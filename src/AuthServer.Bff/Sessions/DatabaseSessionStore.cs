using Microsoft.EntityFrameworkCore;

namespace AuthServer.Bff.Sessions;

/// <summary>Sessions in the BFF's database: every instance reads and writes the same rows, so any of them serves any browser.</summary>
public sealed class DatabaseSessionStore(Func<BffDbContext> createContext) : ISessionStore
{
    public async Task<BffSessionRow?> FindAsync(string key, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        return await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Key == key, cancellationToken);
    }

    public async Task AddAsync(BffSessionRow row, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        db.Sessions.Add(row);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<bool> ReplaceAsync(string key, string subject, string? sessionId, byte[] ticket, long expiresAt, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        return await db.Sessions.Where(s => s.Key == key).ExecuteUpdateAsync(set => set
            .SetProperty(s => s.Subject, subject)
            .SetProperty(s => s.SessionId, sessionId)
            .SetProperty(s => s.Ticket, ticket)
            .SetProperty(s => s.ExpiresAt, expiresAt)
            .SetProperty(s => s.Version, s => s.Version + 1)
            .SetProperty(s => s.RefreshLeaseUntil, (long?)null), cancellationToken) == 1;
    }

    public async Task<bool> TryClaimRefreshAsync(string key, long version, long now, long leaseUntil, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        return await db.Sessions
            .Where(s => s.Key == key && s.Version == version && (s.RefreshLeaseUntil == null || s.RefreshLeaseUntil < now))
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.RefreshLeaseUntil, leaseUntil).SetProperty(s => s.Version, version + 1), cancellationToken) == 1;
    }

    public async Task<bool> TryCompleteRefreshAsync(string key, long claimedVersion, byte[] ticket, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        return await db.Sessions.Where(s => s.Key == key && s.Version == claimedVersion)
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.Ticket, ticket)
                .SetProperty(s => s.RefreshLeaseUntil, (long?)null)
                .SetProperty(s => s.Version, claimedVersion + 1), cancellationToken) == 1;
    }

    public async Task ReleaseRefreshAsync(string key, long claimedVersion, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        await db.Sessions.Where(s => s.Key == key && s.Version == claimedVersion)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.RefreshLeaseUntil, (long?)null).SetProperty(s => s.Version, claimedVersion + 1), cancellationToken);
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        await db.Sessions.Where(s => s.Key == key).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task<int> RemoveBySessionAsync(string? subject, string? sessionId, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        var rows = db.Sessions.AsQueryable();
        if (sessionId is not null)
        {
            rows = rows.Where(s => s.SessionId == sessionId);
        }

        if (subject is not null)
        {
            rows = rows.Where(s => s.Subject == subject);
        }

        return subject is null && sessionId is null ? 0 : await rows.ExecuteDeleteAsync(cancellationToken);
    }

    public async Task<int> PruneAsync(long now, CancellationToken cancellationToken)
    {
        await using var db = createContext();
        return await db.Sessions.Where(s => s.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
    }
}
