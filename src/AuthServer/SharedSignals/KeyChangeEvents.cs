using System.Security.Cryptography;
using System.Text;
using AuthServer.Persistence;

namespace AuthServer.SharedSignals;

/// <summary>
/// The feed's one event that is not CAEP: a published signing key changed. CAEP 1.0 covers subjects, not the
/// transmitter's own keys, so the type is in this server's namespace (docs/resource-servers.md, "Key changes"). A receiver
/// that does not know it acknowledges and ignores it; ours fetches the JWKS at once, and drops a revoked key.
/// </summary>
public static class KeyChangeEvents
{
    /// <summary>The event type in the SET's `events` claim.</summary>
    public const string Type = "urn:authserver:secevent:key-change";

    /// <summary>What the SecurityEvents table stores as its type (the kid is its subject, the change its reason).</summary>
    public const string StoredType = "key-change";

    /// <summary>Published, signing later (scheduled rotation, or an emergency one during its publication delay).</summary>
    public const string Announced = "announced";

    /// <summary>Signs from now on (its scheduled time came, or it replaced a revoked key).</summary>
    public const string Activated = "activated";

    /// <summary>Withdrawn: nothing it signed is valid any more.</summary>
    public const string Revoked = "revoked";

    /// <summary>
    /// The event row for one change of one key. Its `jti` is derived from both, so instances that observe the same change
    /// at once (an activation happens by the clock, on every instance) write one event: the unique index keeps the first.
    /// </summary>
    public static SecurityEvent Create(string kid, string change, string initiatingEntity, DateTime now, DateTime expires) => new()
    {
        Jti = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kid}|{change}"))[..(SecurityEvent.JtiLength / 2)]),
        Txn = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecurityEvent.JtiLength / 2)),
        Type = StoredType,
        Subject = kid,
        Reason = change,
        InitiatingEntity = initiatingEntity,
        OccurredAt = now,
        ExpiresAt = expires,
    };
}
