namespace AuthServer.Bff.Sessions;

/// <summary>
/// One signed-in browser. The cookie holds only <see cref="Key"/> (itself encrypted); the ticket with the tokens is
/// encrypted with Data Protection, bound to the key, so neither a database reader nor a swapped row yields a token.
/// </summary>
public sealed class BffSessionRow
{
    /// <summary>256 random bits, base64url.</summary>
    public string Key { get; set; } = "";

    /// <summary>`sub` of the user, for back-channel logout by subject.</summary>
    public string Subject { get; set; } = "";

    /// <summary>The server's session id (`sid` of the identity token), for back-channel logout by session.</summary>
    public string? SessionId { get; set; }

    public byte[] Ticket { get; set; } = [];

    /// <summary>Unix milliseconds; an expired row is never served and is pruned.</summary>
    public long ExpiresAt { get; set; }

    /// <summary>Bumped by every write: a refresh claims and completes against the version it read (compare-and-swap).</summary>
    public long Version { get; set; }

    /// <summary>Unix milliseconds until which one instance owns this session's refresh; null when nobody refreshes.</summary>
    public long? RefreshLeaseUntil { get; set; }
}
