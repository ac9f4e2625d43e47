namespace AuthServer.Persistence;

/// <summary>
/// Failed-password bookkeeping for one key: an account, or an (account name, source address) pair. The key is a
/// SHA-256 digest (lower-case hex: no collation can fold two keys into one), so the table holds neither the names people typed (sometimes a password) nor their addresses.
/// Shared by every instance, so back-off holds however many instances an attacker's requests are spread over.
/// </summary>
public sealed class SignInThrottleEntry
{
    public const int KeyLength = 64;

    public string Key { get; set; } = "";

    /// <summary>Failures since the last success or since the count was forgotten.</summary>
    public int Failures { get; set; }

    public DateTime? BlockedUntil { get; set; }

    public DateTime? LastFailureAt { get; set; }

    /// <summary>For a pair: when this account last signed in from this source (a known source skips the account's back-off).</summary>
    public DateTime? LastSuccessAt { get; set; }

    /// <summary>The latest of the dates above, for pruning. All dates are UTC (SQLite cannot compare DateTimeOffset).</summary>
    public DateTime UpdatedAt { get; set; }
}
