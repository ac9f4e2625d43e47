namespace AuthServer.SharedSignals;

/// <summary>The event types the feed sends (CAEP 1.0 §3) and the delivery method it supports (SSF 1.0 §7.1.2).</summary>
public static class CaepEvents
{
    public const string Prefix = "https://schemas.openid.net/secevent/caep/event-type/";
    public const string SessionRevoked = "session-revoked";
    public const string CredentialChange = "credential-change";
    public const string PollDelivery = "urn:ietf:rfc:8936";

    /// <summary>What a stream delivers: the two CAEP events and the server's own key-change event.</summary>
    public static readonly string[] Supported = [Prefix + SessionRevoked, Prefix + CredentialChange, KeyChangeEvents.Type];

    /// <summary>The full event type of a stored event.</summary>
    public static string TypeUri(string storedType) => storedType == KeyChangeEvents.StoredType ? KeyChangeEvents.Type : Prefix + storedType;

    /// <summary>
    /// Non-standard members of the session-revoked event (SSF 1.0 §4.2.3 lets transmitters add fields; receivers ignore
    /// what they do not know): the sessions an event about every session of a user revoked, and when every token
    /// issued before the event has expired, so a receiver knows how long to remember it (SSF forbids `exp` on SETs).
    /// </summary>
    public const string SessionIdsMember = "authserver_session_ids";

    public const string RetainUntilMember = "authserver_retain_until";

    /// <summary>CAEP 1.0 §2 initiating_entity for each revocation reason.</summary>
    public static string InitiatingEntity(string reason) => reason switch
    {
        "logout" or "password-changed" or "client-revoked" => "user",
        "refresh-replay" or "code-replay" => "system",
        _ => "admin",
    };

    /// <summary>CAEP 1.0 §3.3 change_type, for reasons that are a change of the password; null otherwise.</summary>
    public static string? PasswordChangeType(string reason) => reason switch
    {
        "password-changed" or "password-reset" => "update",
        "password-removed" => "delete",
        _ => null,
    };
}
