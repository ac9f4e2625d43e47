using System.Security.Cryptography;
using System.Text;
using AuthServer.Contracts.SharedSignals;
using AuthServer.Persistence;

namespace AuthServer.SharedSignals;

/// <summary>
/// The feed's one event that is not CAEP: a published signing key changed (<see cref="EventTypes.KeyChange"/>, its changes
/// in <see cref="KeyChangeMembers"/>). A receiver that does not know it acknowledges and ignores it; ours fetches the
/// JWKS at once, and drops a revoked key.
/// </summary>
public static class KeyChangeEvents
{
    /// <summary>What the SecurityEvents table stores as its type (the kid is its subject, the change its reason).</summary>
    public const string StoredType = "key-change";

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
