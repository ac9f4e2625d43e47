using System.ComponentModel.DataAnnotations;
using AuthServer.Tokens;
using Microsoft.Extensions.Options;

namespace AuthServer.Passkeys;

public sealed class PasskeyOptions
{
    public const string Section = "Passkeys";

    /// <summary>Offers passkeys on the login and account pages. Off, users sign in with their password alone and stored passkeys wait.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The WebAuthn relying-party id: the domain every passkey is bound to, for good (changing it orphans every passkey).
    /// The issuer's host or a parent domain of it; unset, the issuer's host (in Development without an issuer, the request's).
    /// </summary>
    public string? RelyingPartyId { get; set; }

    /// <summary>The pages' origins a passkey may be used from; unset, the issuer's origin. Each on the relying-party id or below it.</summary>
    public List<string> Origins { get; set; } = [];

    /// <summary>How long the browser may take over a ceremony (the authenticator's prompt), and how long its challenge stays usable.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "00:10:00")]
    public TimeSpan CeremonyTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The relying-party id in force: the configured one, else the issuer's host, else null (the request's host, Development only).</summary>
    public string? EffectiveRelyingPartyId(Uri? issuer) => RelyingPartyId?.Trim().ToLowerInvariant() is { Length: > 0 } id ? id : issuer?.IdnHost.ToLowerInvariant();

    /// <summary>The origins in force: the configured ones, else the issuer's, else none (the request's own origin, Development only).</summary>
    public IReadOnlyList<string> EffectiveOrigins(Uri? issuer) => Origins.Count > 0
        ? [.. Origins.Select(o => o.Trim().TrimEnd('/').ToLowerInvariant())]
        : issuer is null ? [] : [issuer.GetLeftPart(UriPartial.Authority).ToLowerInvariant()];
}

/// <summary>
/// What would make every passkey ceremony fail, named at start (and by `check`): a relying-party id the issuer's pages
/// cannot claim, or an origin outside it or without TLS.
/// </summary>
public sealed class PasskeyOptionsValidator(IOptions<TokenServerOptions> tokens, IHostEnvironment environment) : IValidateOptions<PasskeyOptions>
{
    public ValidateOptionsResult Validate(string? name, PasskeyOptions options)
    {
        var issuer = tokens.Value.Issuer is { IsAbsoluteUri: true } absolute ? absolute : null;
        var id = options.EffectiveRelyingPartyId(issuer);
        List<string> failures = [];
        if (options.RelyingPartyId is { Length: > 0 } configured && Uri.CheckHostName(configured.Trim()) != UriHostNameType.Dns)
        {
            failures.Add($"Passkeys:RelyingPartyId must be a domain name (no scheme, port or path), not '{configured}'.");
        }
        else if (issuer is not null && id is not null && !IsOnOrBelow(issuer.IdnHost, id))
        {
            failures.Add($"Passkeys:RelyingPartyId '{id}' is neither the issuer's host '{issuer.IdnHost}' nor a parent domain of it: browsers would refuse every passkey ceremony.");
        }

        if (options.Origins.Count > 0 && id is null)
        {
            failures.Add("Passkeys:RelyingPartyId is required when Passkeys:Origins is set without Tokens:Issuer.");
        }

        foreach (var origin in options.Origins)
        {
            if (!Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri) || uri.PathAndQuery != "/" || uri.Fragment.Length > 0
                || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                failures.Add($"Passkeys:Origins: '{origin}' is not an origin (scheme, host and optional port, nothing else).");
            }
            else if (uri.Scheme == Uri.UriSchemeHttp && !(environment.IsDevelopment() && uri.IsLoopback))
            {
                failures.Add($"Passkeys:Origins: '{origin}' is plain HTTP; only a loopback origin in Development may be.");
            }
            else if (id is not null && !IsOnOrBelow(uri.IdnHost, id))
            {
                failures.Add($"Passkeys:Origins: '{origin}' is not on the relying-party id '{id}' or below it.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsOnOrBelow(string host, string domain) =>
        string.Equals(host, domain, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
}
