namespace AuthServer.Bff.Sessions;

/// <summary>Sessions in this process only: for a single instance (a restart signs everyone out). Same rules as the database.</summary>
public sealed class MemorySessionStore : ISessionStore
{
    private readonly Dictionary<string, BffSessionRow> _rows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<BffSessionRow?> FindAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_rows.TryGetValue(key, out var row) ? Copy(row) : null);
        }
    }

    public Task AddAsync(BffSessionRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        lock (_lock)
        {
            _rows.Add(row.Key, Copy(row));
        }

        return Task.CompletedTask;
    }

    public Task<bool> ReplaceAsync(string key, string subject, string? sessionId, byte[] ticket, long expiresAt, CancellationToken cancellationToken) =>
        Update(key, _ => true, row =>
        {
            row.Subject = subject;
            row.SessionId = sessionId;
            row.Ticket = ticket;
            row.ExpiresAt = expiresAt;
            row.RefreshLeaseUntil = null;
        });

    public Task<bool> TryClaimRefreshAsync(string key, long version, long now, long leaseUntil, CancellationToken cancellationToken) =>
        Update(key, row => row.Version == version && (row.RefreshLeaseUntil is null || row.RefreshLeaseUntil < now), row => row.RefreshLeaseUntil = leaseUntil);

    public Task<bool> TryCompleteRefreshAsync(string key, long claimedVersion, byte[] ticket, CancellationToken cancellationToken) =>
        Update(key, row => row.Version == claimedVersion, row =>
        {
            row.Ticket = ticket;
            row.RefreshLeaseUntil = null;
        });

    public Task ReleaseRefreshAsync(string key, long claimedVersion, CancellationToken cancellationToken) =>
        Update(key, row => row.Version == claimedVersion, row => row.RefreshLeaseUntil = null);

    public Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _rows.Remove(key);
        }

        return Task.CompletedTask;
    }

    public Task<int> RemoveBySessionAsync(string? subject, string? sessionId, CancellationToken cancellationToken) =>
        RemoveWhere(row => (subject is not null || sessionId is not null)
            && (sessionId is null || row.SessionId == sessionId) && (subject is null || row.Subject == subject));

    public Task<int> PruneAsync(long now, CancellationToken cancellationToken) => RemoveWhere(row => row.ExpiresAt <= now);

    private Task<int> RemoveWhere(Func<BffSessionRow, bool> match)
    {
        lock (_lock)
        {
            var keys = _rows.Values.Where(match).Select(row => row.Key).ToList();
            keys.ForEach(key => _rows.Remove(key));
            return Task.FromResult(keys.Count);
        }
    }

    private Task<bool> Update(string key, Func<BffSessionRow, bool> condition, Action<BffSessionRow> change)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue(key, out var row) || !condition(row))
            {
                return Task.FromResult(false);
            }

            change(row);
            row.Version++;
            return Task.FromResult(true);
        }
    }

    private static BffSessionRow Copy(BffSessionRow row) => new()
    {
        Key = row.Key,
        Subject = row.Subject,
        SessionId = row.SessionId,
        Ticket = row.Ticket,
        ExpiresAt = row.ExpiresAt,
        Version = row.Version,
        RefreshLeaseUntil = row.RefreshLeaseUntil,
    };
}
