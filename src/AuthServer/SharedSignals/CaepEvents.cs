using AuthServer.Contracts.SharedSignals;

namespace AuthServer.SharedSignals;

/// <summary>
/// The CAEP events the feed sends (CAEP 1.0 §3) as the SecurityEvents table stores them; their names on the wire, and
/// the members receivers read, are AuthServer.Contracts' (<see cref="EventTypes"/>), shared with AuthServer.ResourceServer.
/// </summary>
public static class CaepEvents
{
    /// <summary>The stored type: the CAEP event type without its prefix.</summary>
    public const string SessionRevoked = "session-revoked";

    public const string CredentialChange = "credential-change";

    /// <summary>What a stream delivers: the two CAEP events and the server's own key-change event.</summary>
    public static readonly string[] Supported = [EventTypes.SessionRevoked, EventTypes.CredentialChange, EventTypes.KeyChange];

    /// <summary>The full event type of a stored event.</summary>
    public static string TypeUri(string storedType) => storedType == KeyChangeEvents.StoredType ? EventTypes.KeyChange : EventTypes.CaepPrefix + storedType;

    /// <summary>CAEP 1.0 §2 initiating_entity for each revocation reason.</summary>
    public static string InitiatingEntity(string reason) => reason switch
    {
        "logout" or "user" or "password-changed" or "client-revoked" => "user",
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
