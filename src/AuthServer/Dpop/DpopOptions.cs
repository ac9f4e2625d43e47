using System.ComponentModel.DataAnnotations;

namespace AuthServer.Dpop;

/// <summary>DPoP at the token endpoint (RFC 9449): how fresh a proof must be, and whether the server hands out nonces.</summary>
public sealed class DpopOptions
{
    public const string Section = "Dpop";

    /// <summary>How old a proof's `iat` may be. A client makes a new proof for every request, so a minute is generous.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan ProofLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How far a client's clock may run ahead of or behind the server's.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Require a server nonce in every proof (RFC 9449 §8): a proof made in advance (by code an attacker ran earlier in the
    /// page) goes stale with the nonce. A client without one gets `use_dpop_nonce` and a `DPoP-Nonce` header, and retries.
    /// </summary>
    public bool RequireNonce { get; set; }

    /// <summary>How long a nonce is accepted after it was issued, on every instance sharing the Data Protection key ring.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
