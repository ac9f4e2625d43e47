namespace AuthServer.Contracts.SharedSignals;

/// <summary>
/// The names on the revocation feed that the server writes and AuthServer.ResourceServer reads: event types (CAEP 1.0 §3
/// and the server's own key-change event), the delivery method (SSF 1.0 §7.1.2), and the members a receiver acts on.
/// </summary>
public static class EventTypes
{
    public const string CaepPrefix = "https://schemas.openid.net/secevent/caep/event-type/";
    public const string SessionRevoked = CaepPrefix + "session-revoked";
    public const string CredentialChange = CaepPrefix + "credential-change";

    /// <summary>
    /// A published signing key changed. CAEP covers subjects, not the transmitter's own keys, so the type is in this
    /// server's namespace (docs/resource-servers.md, "Key changes").
    /// </summary>
    public const string KeyChange = "urn:authserver:secevent:key-change";
}

/// <summary>SSF 1.0 delivery methods: poll (RFC 8936) is the only one the feed offers.</summary>
public static class DeliveryMethods
{
    public const string Poll = "urn:ietf:rfc:8936";
}

/// <summary>
/// Non-standard members of the session-revoked event (SSF 1.0 §4.2.3 lets transmitters add fields; receivers ignore what
/// they do not know): the sessions an event about every session of a user revoked, and when every token issued before
/// the event has expired, so a receiver knows how long to remember it (SSF forbids `exp` on SETs).
/// </summary>
public static class SessionRevokedMembers
{
    public const string SessionIds = "authserver_session_ids";
    public const string RetainUntil = "authserver_retain_until";
}

/// <summary>The key-change event's members, and the changes its `change` member names.</summary>
public static class KeyChangeMembers
{
    public const string Kid = "kid";
    public const string Change = "change";

    /// <summary>Published, signing later (scheduled rotation, or an emergency one during its publication delay).</summary>
    public const string Announced = "announced";

    /// <summary>Signs from now on (its scheduled time came, or it replaced a revoked key).</summary>
    public const string Activated = "activated";

    /// <summary>Withdrawn: nothing it signed is valid any more.</summary>
    public const string Revoked = "revoked";
}
