namespace AuthServer.Persistence;

/// <summary>
/// A value that may be accepted once, on whichever instance it reaches: a DPoP proof (RFC 9449 §11.1) or a passkey
/// ceremony's challenge. Its key is a SHA-256 digest (lower-case hex) of the value and what it is for, so a replay at any
/// instance meets this row. Kept until the value could no longer pass its own freshness check; pruning removes it then.
/// </summary>
public sealed class OneTimeUse
{
    public const int KeyLength = 64;

    public string Key { get; set; } = "";

    /// <summary>UTC (SQLite cannot compare DateTimeOffset).</summary>
    public DateTime ExpiresAt { get; set; }
}
