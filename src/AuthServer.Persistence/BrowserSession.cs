namespace AuthServer.Persistence;

/// <summary>
/// One sign-in on the login page: the login cookie carries only its id (the `sid` of OIDC), so ending the row ends
/// the browser session on every instance at its next request. Dates are UTC.
/// </summary>
public sealed class BrowserSession
{
    public const int IdLength = 32;
    public const int UserAgentLength = 256;

    /// <summary>Longest client id stored or logged; the catalog's ids are far shorter, so anything longer is an attacker's.</summary>
    public const int ClientIdLength = 100;

    public string Id { get; set; } = "";

    public string UserId { get; set; } = "";

    /// <summary>The client whose authorization request led to the sign-in, when there was one.</summary>
    public string? ClientId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime LastSeenAt { get; set; }

    /// <summary>The absolute end, whatever the activity.</summary>
    public DateTime ExpiresAt { get; set; }

    public string? SourceAddress { get; set; }

    public string? UserAgent { get; set; }

    public DateTime? EndedAt { get; set; }

    /// <summary>Why it ended: logout, operator, locked, password-changed, user-deleted …</summary>
    public string? EndReason { get; set; }

    public List<BrowserSessionGrant> Grants { get; } = [];
}

/// <summary>An authorization (a chain of codes and refresh tokens) issued to a client inside a browser session.</summary>
public sealed class BrowserSessionGrant
{
    public string SessionId { get; set; } = "";

    public string AuthorizationId { get; set; } = "";

    public string ClientId { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}
