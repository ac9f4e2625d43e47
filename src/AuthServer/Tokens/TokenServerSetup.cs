using AuthServer.Clients;
using AuthServer.Keys;
using AuthServer.Persistence;
using AuthServer.Protocol;
using AuthServer.Settings;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Tokens;

public static class TokenServerSetup
{
    public static IServiceCollection AddTokenServer(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.BindSettings<TokenServerOptions>(TokenServerOptions.Section);
        services.AddSingleton<IValidateOptions<TokenServerOptions>, TokenServerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<PrincipalFactory>();

        services.AddOpenIddict()
            .AddCore(core =>
            {
                core.UseEntityFrameworkCore().UseDbContext<AuthDbContext>();
                core.ReplaceTokenStore<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken, DirectWriteTokenStore>(ServiceLifetime.Scoped);
                core.ReplaceApplicationManager(typeof(CachingApplicationManager<>));
                core.Services.AddSingleton(typeof(ApplicationEntries<>));
                core.Services.Replace(ServiceDescriptor.Scoped(typeof(IOpenIddictApplicationCache<>), typeof(SharedApplicationCache<>)));
            })
            .AddServer(server =>
            {
                server.SetTokenEndpointUris(Endpoints.Token)
                    .SetRevocationEndpointUris(Endpoints.Revocation)
                    .SetJsonWebKeySetEndpointUris(Endpoints.Jwks)
                    .SetConfigurationEndpointUris(Endpoints.Discovery)
                    .SetAuthorizationEndpointUris(Endpoints.Authorization)
                    .SetPushedAuthorizationEndpointUris(Endpoints.PushedAuthorization)
                    .SetEndSessionEndpointUris(Endpoints.EndSession)
                    .SetUserInfoEndpointUris(Endpoints.UserInfo);

                server.AllowPasswordFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .AllowAuthorizationCodeFlow()
                    .RequireProofKeyForCodeExchange();

                // RFC 9068: access tokens are signed JWTs that resource servers read and validate themselves.
                server.DisableAccessTokenEncryption();
                server.AddProtocolPipeline();

                // Local errors (authorize or end-session refused before a redirect is allowed) reach ErrorHandling/ProtocolErrors
                // without a body, which writes them as OAuth JSON instead of OpenIddict's text/plain.
                server.UseAspNetCore()
                    .EnableStatusCodePagesIntegration()
                    .EnableTokenEndpointPassthrough()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough();
            });

        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ConfigureFromOptions>();

        // Build OpenIddict's options (and so load the keys) at start: a bad key file fails the start, not the first request.
        // Automatic keys exist only once the database is migrated; ManagedKeyRefresher builds the options right after loading them.
        if (configuration.ReadBeforeStart<KeyOptions>(KeyOptions.Section).SourceIn(environment) != KeySource.Automatic)
        {
            services.AddOptions<OpenIddictServerOptions>().ValidateOnStart();
        }

        services.AddSingleton<IConfigureOptions<OpenIddictServerAspNetCoreOptions>, ConfigureFromOptions>();
        return services;
    }

    /// <summary>
    /// Feeds validated options and the current keys into OpenIddict whenever its options are built: at first use, and again
    /// each time the key ring changes (KeyRingChangeTokenSource), since OpenIddict reads them per request from its options monitor.
    /// </summary>
    private sealed class ConfigureFromOptions(IOptions<TokenServerOptions> tokens, KeyRingSource source, ScopeCatalog catalog)
        : IConfigureOptions<OpenIddictServerOptions>, IConfigureOptions<OpenIddictServerAspNetCoreOptions>
    {
        public void Configure(OpenIddictServerOptions options)
        {
            var settings = tokens.Value;
            options.Issuer = settings.Issuer;
            options.AccessTokenLifetime = settings.AccessTokenLifetime;
            options.RefreshTokenLifetime = settings.RefreshTokenLifetime;
            options.RefreshTokenReuseLeeway = settings.RefreshTokenReuseLeeway;
            options.AuthorizationCodeLifetime = settings.AuthorizationCodeLifetime;
            options.RequestTokenLifetime = settings.PushedRequestLifetime;

            // RFC 7636 §4.4.1 / RFC 9700 §2.1.1: S256 only. Without `plain` here, OpenIddict also refuses a challenge with no method.
            options.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);

            // Registered scopes are checked in memory; unregistered ones would cost a store lookup per request.
            options.Scopes.UnionWith(CatalogValidator.IdentityScopes);
            options.Scopes.UnionWith(catalog.ApiScopes);

            // Every key here verifies or decrypts (announced, active and retired); which one signs and encrypts is pinned per
            // token by PinSigningKeys. The JWKS publishes the asymmetric ones only; a revoked key is absent, so refused.
            var keys = source.Current;
            options.SigningCredentials.AddRange(keys.SigningKeys.Select(KeyRing.Credentials));
            options.SigningCredentials.AddRange(keys.ServerOnlySigningKeys.Select(key => new SigningCredentials(key, SecurityAlgorithms.HmacSha256)));
            options.EncryptionCredentials.AddRange(keys.EncryptionKeys.Select(KeyRing.Encrypting));
        }

        // Transport security is enforced by our own options check (HTTPS outside Development), not by OpenIddict
        // per request, so that TLS can end at a reverse proxy that forwards the scheme.
        public void Configure(OpenIddictServerAspNetCoreOptions options) =>
            options.DisableTransportSecurityRequirement = !tokens.Value.RequireHttps;
    }
}
