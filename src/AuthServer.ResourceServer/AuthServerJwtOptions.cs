using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer;

/// <summary>What a resource server must know about AuthServer to trust its access tokens locally.</summary>
public sealed class AuthServerJwtOptions
{
    public const string Section = "AuthServer";

    /// <summary>The issuer; metadata and keys come from its discovery document.</summary>
    [Required]
    public Uri? Authority { get; set; }

    /// <summary>This API's resource name; a token minted for another API is refused (RFC 9068 §4).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Audience { get; set; } = "";

    /// <summary>Tolerance for clocks that disagree; kept small because access tokens live minutes, not hours.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Only development may fetch metadata over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>RFC 8725 §3.1: accept only the algorithms the server signs with, never "none" or HMAC.</summary>
    [MinLength(1)]
    public IList<string> ValidAlgorithms { get; set; } = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>How long metadata and keys are kept before a routine refresh (in the background); the feed's key events refresh them at once.</summary>
    public TimeSpan AutomaticRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Tokens that passed validation are remembered until they expire (<see cref="ValidatedTokenCache"/>), so a
    /// client's repeated calls skip the signature check. 0 turns it off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>
    /// Tokens naming a key the API does not hold cause at most one JWKS fetch per interval between them (none for a kid
    /// the current set is known to lack), so forged kids cannot amplify into fetches, and a genuine new key is fetched
    /// within one interval even while forged ones arrive (<see cref="IssuerKeys"/>).
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The revocation feed: off unless `Enabled` (docs/resource-servers.md).</summary>
    public RevocationFeedSettings RevocationFeed { get; set; } = new();

    /// <summary>DPoP-bound tokens (RFC 9449 §7), checked by <see cref="DpopProofs"/>.</summary>
    public DpopSettings Dpop { get; set; } = new();
}

/// <summary>How an API takes DPoP-bound tokens (docs/resource-servers.md, "DPoP").</summary>
public sealed class DpopSettings
{
    /// <summary>`Allowed` (the default): bearer tokens and DPoP-bound ones, each as itself. `Required`: a bearer token is refused.</summary>
    public DpopMode Mode { get; set; } = DpopMode.Allowed;

    /// <summary>How old a proof's `iat` may be.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan ProofLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How far a client's clock may run ahead of or behind this API's.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Proofs remembered to refuse their replay, on this instance (a proof names this instance's URI, so another API cannot take it).</summary>
    [Range(1_000, 10_000_000)]
    public int ReplayCacheSize { get; set; } = 100_000;
}

public enum DpopMode
{
    Allowed,
    Required,
}

/// <summary>Cross-field rules that data annotations cannot express.</summary>
public sealed class AuthServerJwtOptionsValidator : IValidateOptions<AuthServerJwtOptions>
{
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    public ValidateOptionsResult Validate(string? name, AuthServerJwtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Authority is { } authority)
        {
            if (!authority.IsAbsoluteUri)
            {
                failures.Add("AuthServer:Authority must be an absolute URI.");
            }
            else if (options.RequireHttpsMetadata && authority.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add("AuthServer:Authority must use HTTPS unless RequireHttpsMetadata is false (development only).");
            }
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > MaxClockSkew)
        {
            failures.Add($"AuthServer:ClockSkew must be between 0 and {MaxClockSkew.TotalSeconds} seconds.");
        }

        if (options.ValidAlgorithms.Any(a => a.StartsWith("HS", StringComparison.OrdinalIgnoreCase) || a.Equals("none", StringComparison.OrdinalIgnoreCase)))
        {
            failures.Add("AuthServer:ValidAlgorithms may list only asymmetric algorithms (RFC 8725 §3.1).");
        }

        if (options.RefreshInterval <= TimeSpan.Zero || options.AutomaticRefreshInterval < options.RefreshInterval)
        {
            failures.Add("AuthServer:RefreshInterval must be positive and no longer than AutomaticRefreshInterval.");
        }

        if (options.RevocationFeed is { Enabled: true } feed)
        {
            if (string.IsNullOrEmpty(feed.ClientId) || string.IsNullOrEmpty(feed.ClientSecret) || string.IsNullOrEmpty(feed.Scope))
            {
                failures.Add("AuthServer:RevocationFeed needs ClientId, ClientSecret and Scope when Enabled.");
            }

            if (feed.PollInterval < TimeSpan.FromMilliseconds(50) || feed.PollInterval > TimeSpan.FromMinutes(5))
            {
                failures.Add("AuthServer:RevocationFeed:PollInterval must be between 50 ms and 5 minutes.");
            }

            if (feed.StaleAfter <= feed.PollInterval)
            {
                failures.Add("AuthServer:RevocationFeed:StaleAfter must be longer than PollInterval.");
            }

            if (feed.MaxEventsPerPoll is < 1 or > 1_000 || feed.MaxEntries is < 100 or > 10_000_000)
            {
                failures.Add("AuthServer:RevocationFeed:MaxEventsPerPoll must be 1 to 1000 and MaxEntries 100 to 10,000,000.");
            }

            if (feed.RequestTimeout <= TimeSpan.Zero || feed.RequestTimeout > TimeSpan.FromMinutes(1))
            {
                failures.Add("AuthServer:RevocationFeed:RequestTimeout must be positive and at most a minute.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
