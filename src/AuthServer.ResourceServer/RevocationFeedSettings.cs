namespace AuthServer.ResourceServer;

/// <summary>
/// The receiver of AuthServer's revocation feed (OpenID SSF 1.0 poll delivery, RFC 8936): `AuthServer:RevocationFeed`.
/// Checked by <see cref="AuthServerJwtOptionsValidator"/> when enabled.
/// </summary>
public sealed class RevocationFeedSettings
{
    /// <summary>Polls the feed and refuses access tokens of revoked sessions and users within about one interval.</summary>
    public bool Enabled { get; set; }

    /// <summary>This API's feed client (client credentials, allowed the feed scope); also the `aud` of the SETs it receives.</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public string Scope { get; set; } = "ssf";

    /// <summary>How often the feed is polled: the usual delay between a revocation and the first refused token.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>SETs asked for per poll; more are fetched at once when the server says more are available.</summary>
    public int MaxEventsPerPoll { get; set; } = 100;

    /// <summary>Without a successful poll for this long the feed is stale: the health check reports unhealthy.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// While stale (and before the first successful poll), refuse every access token instead of accepting them unchecked.
    /// Off by default: an unreachable authorization server should not take every API down with it.
    /// </summary>
    public bool FailClosed { get; set; }

    /// <summary>Revoked sessions and users remembered at most; beyond it the entries closest to expiry are dropped first (and logged).</summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>Per request to the server (metadata, keys, token, poll).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
