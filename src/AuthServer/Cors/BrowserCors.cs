using AuthServer.Clients;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace AuthServer.Cors;

/// <summary>
/// Browser apps call the token, revocation, userinfo and discovery endpoints from their own origin. The allowed
/// origins are those of registered redirect URIs, so registering a client is the only list to keep.
/// The authorization endpoint and the login page are navigated to, never fetched, and get no CORS headers.
/// </summary>
public static class BrowserCors
{
    private const string Policy = "browser-clients";

    private static readonly PathString[] s_paths =
        [Endpoints.Token, Endpoints.Revocation, Endpoints.UserInfo, Endpoints.Discovery, Endpoints.Jwks];

    public static IServiceCollection AddBrowserCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<CatalogOptions>>((cors, catalog) =>
            cors.AddPolicy(Policy, policy => policy
                .WithOrigins(OriginsOf(catalog.Value))
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                .WithHeaders("Authorization", "Content-Type", "DPoP")
                .WithExposedHeaders("DPoP-Nonce")

                // Bearer tokens and form posts only: no cookie ever rides along on a cross-origin call.
                .DisallowCredentials()
                .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        return services;
    }

    /// <summary>Runs before authentication: OpenIddict answers discovery, JWKS and protocol errors inside that middleware.</summary>
    public static IApplicationBuilder UseBrowserCors(this IApplicationBuilder app) =>
        app.UseWhen(context => Array.Exists(s_paths, path => context.Request.Path.Equals(path, StringComparison.OrdinalIgnoreCase)),
            branch => branch.UseCors(Policy));

    public static string[] OriginsOf(CatalogOptions catalog) =>
        [.. catalog.Clients.Values
            .SelectMany(client => client.RedirectUris)
            .Where(uri => uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            .Select(uri => uri.GetLeftPart(UriPartial.Authority))
            .Distinct(StringComparer.OrdinalIgnoreCase)];
}
