using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Clients;

/// <summary>Rejects at start a client that could never work or would be unsafe, instead of failing its first request.</summary>
public sealed class CatalogValidator(IHostEnvironment environment) : IValidateOptions<CatalogOptions>
{
    public static readonly IReadOnlySet<string> IdentityScopes = new HashSet<string>(StringComparer.Ordinal)
    {
        Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Roles, Scopes.OfflineAccess,
    };

    /// <summary>A longer overlap would keep a leaked secret alive for longer than any rollout needs.</summary>
    public static readonly TimeSpan MaxSecretOverlap = TimeSpan.FromDays(7);

    private static readonly HashSet<string> SupportedGrants =
    [
        GrantTypes.Password, GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials,
    ];

    public ValidateOptionsResult Validate(string? name, CatalogOptions options)
    {
        List<string> failures = [];

        // A server without clients can issue nothing: an empty list is a mistake (a missing secret file), not a wish.
        if (options.Clients.Count == 0)
        {
            failures.Add("Catalog:Clients must define at least one client.");
        }

        if (options.SecretOverlap < TimeSpan.Zero || options.SecretOverlap > MaxSecretOverlap)
        {
            failures.Add("Catalog:SecretOverlap must be between 00:00:00 and 7.00:00:00.");
        }

        foreach (var (clientId, client) in options.Clients)
        {
            var prefix = $"Catalog:Clients:{clientId}";
            failures.AddRange(client.GrantTypes.Where(g => !SupportedGrants.Contains(g)).Select(g => $"{prefix}: grant type '{g}' is not supported."));
            failures.AddRange(client.Scopes.Where(s => !IdentityScopes.Contains(s) && !options.Scopes.ContainsKey(s))
                .Select(s => $"{prefix}: scope '{s}' is not defined under Catalog:Scopes."));

            if (client.GrantTypes.Contains(GrantTypes.ClientCredentials) && !client.IsConfidential)
            {
                failures.Add($"{prefix}: client_credentials needs a ClientSecret.");
            }

            if (client.GrantTypes.Contains(GrantTypes.AuthorizationCode) && client.RedirectUris.Count == 0)
            {
                failures.Add($"{prefix}: authorization_code needs at least one RedirectUris entry.");
            }

            if (client.ConsentType is not (ConsentTypes.Implicit or ConsentTypes.Explicit))
            {
                failures.Add($"{prefix}: ConsentType must be 'implicit' or 'explicit'.");
            }

            // Back-Channel Logout 1.0 §2.2: absolute, no fragment; the same transport rule as redirect URIs.
            IEnumerable<Uri> backchannel = client.BackchannelLogoutUri is { } logoutUri ? [logoutUri] : [];
            foreach (var uri in client.RedirectUris.Concat(client.PostLogoutRedirectUris).Concat(backchannel))
            {
                if (!uri.IsAbsoluteUri || !string.IsNullOrEmpty(uri.Fragment))
                {
                    failures.Add($"{prefix}: '{uri}' must be absolute and carry no fragment (RFC 6749 §3.1.2).");
                }
                else if (uri.Scheme != Uri.UriSchemeHttps && !(uri.IsLoopback && environment.IsDevelopment()))
                {
                    failures.Add($"{prefix}: '{uri}' must use https (plain http is allowed for loopback in Development).");
                }
            }
        }

        foreach (var (scope, registration) in options.Scopes)
        {
            if (IdentityScopes.Contains(scope))
            {
                failures.Add($"Catalog:Scopes:{scope}: '{scope}' is an OpenID Connect scope and cannot own resources.");
            }

            if (registration.Resources.Count == 0)
            {
                failures.Add($"Catalog:Scopes:{scope}: at least one resource is required.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
