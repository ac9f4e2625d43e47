namespace AuthServer.Persistence;

/// <summary>
/// A DPoP proof seen (RFC 9449 §11.1): its key is the SHA-256 digest (lower-case hex) of the proof key's thumbprint and
/// the proof's `jti`, so a proof replayed at any instance meets this row. Kept until the proof could no longer pass the
/// freshness check anyway; pruning removes it then.
/// </summary>
public sealed class DpopProofUse
{
    public const int KeyLength = 64;

    public string Key { get; set; } = "";

    /// <summary>UTC (SQLite cannot compare DateTimeOffset).</summary>
    public DateTime ExpiresAt { get; set; }
}
