namespace AuthServer.Persistence;

/// <summary>
/// One security event the revocation feed serves (OpenID SSF 1.0 / CAEP 1.0), written in the same unit of work as the
/// revocation it reports, so no revocation goes unannounced and no event announces a revocation that rolled back. The
/// Security Event Token itself is minted per receiver at each poll; the row keeps only what a receiver needs to refuse
/// tokens without a database. Dates are UTC.
/// </summary>
public sealed class SecurityEvent
{
    public const int JtiLength = 32;
    public const int TypeLength = 32;
    public const int ReasonLength = 32;
    public const int SessionIdLength = 100;

    /// <summary>Delivery order (ascending), never shown to receivers.</summary>
    public long Id { get; set; }

    /// <summary>The SET's `jti`: what a receiver acknowledges (RFC 8936 §2.4).</summary>
    public string Jti { get; set; } = "";

    /// <summary>RFC 8417 §2.2 `txn`: shared by the events one revocation causes (session-revoked and credential-change).</summary>
    public string Txn { get; set; } = "";

    /// <summary>The CAEP event type's last segment: session-revoked or credential-change.</summary>
    public string Type { get; set; } = "";

    /// <summary>The user (the `sub` of their tokens); empty for an event about a client.</summary>
    public string Subject { get; set; } = "";

    /// <summary>Set for an event about every session and token of one client (the operator's revoke by client): the `client_id` of its tokens.</summary>
    public string? ClientId { get; set; }

    /// <summary>The session the event is about, when it is one: a browser session's `sid` or an authorization's id (`oi_au_id`).</summary>
    public string? SessionId { get; set; }

    /// <summary>
    /// For an event about every session of the user: the sessions (authorizations) it revoked, space-separated, or null when
    /// there were more than the configured maximum (receivers then refuse by issue time alone).
    /// </summary>
    public string? RevokedSessions { get; set; }

    /// <summary>Why: logout, operator, locked, password-changed, password-reset, user-deleted, refresh-replay, client-revoked …</summary>
    public string Reason { get; set; } = "";

    /// <summary>CAEP 1.0 §2 initiating_entity: admin, user, policy or system.</summary>
    public string InitiatingEntity { get; set; } = "";

    public DateTime OccurredAt { get; set; }

    /// <summary>When every access token issued before the event has expired (longest lifetime plus skew): served until then, pruned after.</summary>
    public DateTime ExpiresAt { get; set; }
}

/// <summary>One receiver's stream (SSF 1.0 §8.1.1): created by the receiver, polled by it alone, so each receiver acknowledges for itself.</summary>
public sealed class EventStreamRegistration
{
    public const int IdLength = 32;
    public const int DescriptionLength = 200;

    public string Id { get; set; } = "";

    /// <summary>The client (receiver) that created it and alone may poll, read or delete it; also the SETs' `aud`.</summary>
    public string ClientId { get; set; } = "";

    public string? Description { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Moved at most once a minute by polls; a stream idle past the inactivity timeout is pruned.</summary>
    public DateTime LastPolledAt { get; set; }
}

/// <summary>A SET a stream's receiver acknowledged (or reported an error for): never served to that stream again.</summary>
public sealed class SecurityEventAck
{
    public const int ErrorLength = 32;

    public string StreamId { get; set; } = "";

    public long EventId { get; set; }

    public DateTime AckedAt { get; set; }

    /// <summary>The RFC 8935 §2.3 error code the receiver reported in `setErrs`, null for a plain acknowledgement.</summary>
    public string? Error { get; set; }
}
