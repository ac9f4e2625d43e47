using System.ComponentModel.DataAnnotations;
using AuthServer.Clients;
using AuthServer.Tokens;
using Microsoft.Extensions.Options;

namespace AuthServer.BackchannelLogout;

/// <summary>Delivery of OIDC Back-Channel Logout 1.0 notices from the durable queue.</summary>
public sealed class BackchannelLogoutOptions
{
    public const string Section = "BackchannelLogout";

    /// <summary>Runs the sender on this instance; notices are queued either way, so another instance (or a later start) sends them.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the sender looks for due notices: the usual delay between a session's end and the clients hearing of it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The wait after the first failed attempt; each further failure doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts before a notice is abandoned: with the defaults 127 s of back-off (1 + 2 + … + 64) plus the attempts' timeouts, bounded.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Per POST: a client that hangs holds one sender slot for this long, never a user's request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The logout token's exp - iat (§2.4 asks for a short lifetime; it is minted anew at each attempt).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "00:10:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Due notices read per poll.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>POSTs in flight at once per instance, so one slow client does not hold back the others.</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;
}

/// <summary>A logout token names its issuer (§2.4), and a background sender has no request to take it from.</summary>
public sealed class BackchannelLogoutOptionsValidator(IOptionsMonitor<TokenServerOptions> tokens, IOptionsMonitor<CatalogOptions> catalog)
    : IValidateOptions<BackchannelLogoutOptions>
{
    public ValidateOptionsResult Validate(string? name, BackchannelLogoutOptions options) =>
        tokens.CurrentValue.Issuer is null && catalog.CurrentValue.Clients.Values.Any(c => c.BackchannelLogoutUri is not null)
            ? ValidateOptionsResult.Fail("Tokens:Issuer must be set when a client registers a BackchannelLogoutUri.")
            : ValidateOptionsResult.Success;
}
