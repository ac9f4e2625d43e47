namespace AuthServer.Bff.Sessions;

/// <summary>
/// Rows of <see cref="BffSessionRow"/> with the two conditional writes that make a refresh happen once per session,
/// whichever instance serves the request: claim (lease) and complete, each against the version read.
/// </summary>
public interface ISessionStore
{
    Task<BffSessionRow?> FindAsync(string key, CancellationToken cancellationToken);

    Task AddAsync(BffSessionRow row, CancellationToken cancellationToken);

    /// <summary>Overwrites the row whatever its version (a new sign-in over a live cookie); false when it is gone.</summary>
    Task<bool> ReplaceAsync(string key, string subject, string? sessionId, byte[] ticket, long expiresAt, CancellationToken cancellationToken);

    /// <summary>Takes the refresh lease when the row is still at <paramref name="version"/> and nobody holds an unexpired lease; bumps the version.</summary>
    Task<bool> TryClaimRefreshAsync(string key, long version, long now, long leaseUntil, CancellationToken cancellationToken);

    /// <summary>Stores the refreshed ticket and drops the lease, if the row is still at the claimed version.</summary>
    Task<bool> TryCompleteRefreshAsync(string key, long claimedVersion, byte[] ticket, CancellationToken cancellationToken);

    /// <summary>Drops the lease without new tokens (the server did not answer), so the next request may try again.</summary>
    Task ReleaseRefreshAsync(string key, long claimedVersion, CancellationToken cancellationToken);

    Task RemoveAsync(string key, CancellationToken cancellationToken);

    /// <summary>OIDC Back-Channel Logout 1.0 §2.7: every session of that server session, or of that subject when no sid is given.</summary>
    Task<int> RemoveBySessionAsync(string? subject, string? sessionId, CancellationToken cancellationToken);

    Task<int> PruneAsync(long now, CancellationToken cancellationToken);
}
