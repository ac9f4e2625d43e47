namespace AuthServer.Persistence;

/// <summary>
/// One OIDC Back-Channel Logout 1.0 notice waiting for (or past) delivery: written in the same unit of work that ends a
/// browser session, sent later by a background service, so the request that ended the session never waits on a client.
/// The logout token itself is never stored: it is minted at each attempt. Dates are UTC.
/// </summary>
public sealed class BackchannelLogoutNotice
{
    public const int UriLength = 2000;
    public const int ErrorLength = 256;

    public Guid Id { get; set; }

    /// <summary>The client that took part in the session: the logout token's audience.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The client's backchannel_logout_uri when the session ended (a later catalog change does not redirect old notices).</summary>
    public string Uri { get; set; } = "";

    public string Subject { get; set; } = "";

    public string SessionId { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    /// <summary>Due when this is past; a claim moves it forward (a lease), so a crashed sender's notice comes back later, not never.</summary>
    public DateTime NextAttemptAt { get; set; }

    /// <summary>Attempts started; raised by the claim itself, so it is also the claim's compare-and-swap value.</summary>
    public int Attempts { get; set; }

    /// <summary>Why the last attempt failed: a status code or an exception type, never a response body.</summary>
    public string? LastError { get; set; }

    public DateTime? DeliveredAt { get; set; }

    public DateTime? AbandonedAt { get; set; }
}
