using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AuthServer.Tokens;

public sealed class TokenServerOptions
{
    public const string Section = "Tokens";

    /// <summary>
    /// The `iss` of every token and the base of every URL in discovery. Required, and HTTPS, outside Development, where
    /// requests for any other host are refused (IssuerHostFilter). Left unset (Development only), `iss` and the
    /// advertised URLs follow the request's Host, so a developer may reach the server under any local name.
    /// </summary>
    public Uri? Issuer { get; set; }

    /// <summary>Short, because resource servers validate locally and cannot see revocation (RFC 9068 §5).</summary>
    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a redeemed refresh token may be redeemed again before it counts as a replay.
    /// 30 s absorbs a lost response or two tabs refreshing at once; beyond it the whole chain is revoked.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RefreshTokenReuseLeeway { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:10", "00:10:00")]
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a pushed authorization request's `request_uri` may be used (RFC 9126 §2.2: short, it only has to reach
    /// the authorization endpoint; the sign-in it starts may take longer, as the login page keeps it). Used once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "00:10:00")]
    public TimeSpan PushedRequestLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Development may run on plain HTTP on localhost; nothing else may.</summary>
    public bool RequireHttps { get; set; } = true;
}

public sealed class TokenServerOptionsValidator(IHostEnvironment environment) : IValidateOptions<TokenServerOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenServerOptions options)
    {
        List<string> failures = [];
        if (options.AccessTokenLifetime >= options.RefreshTokenLifetime)
        {
            failures.Add("Tokens:AccessTokenLifetime must be shorter than Tokens:RefreshTokenLifetime.");
        }

        if (options.RefreshTokenReuseLeeway >= options.RefreshTokenLifetime)
        {
            failures.Add("Tokens:RefreshTokenReuseLeeway must be shorter than Tokens:RefreshTokenLifetime.");
        }

        if (options.Issuer is { IsAbsoluteUri: false })
        {
            failures.Add("Tokens:Issuer must be an absolute URI.");
        }

        if (!environment.IsDevelopment())
        {
            if (options.Issuer is null || options.Issuer.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add("Tokens:Issuer must be set to an https:// URI outside Development.");
            }

            if (!options.RequireHttps)
            {
                failures.Add("Tokens:RequireHttps may be turned off only in Development.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
