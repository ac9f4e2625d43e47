using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.ResourceServer;

/// <summary>Protects an API with AuthServer access tokens in one call, so no check (audience, typ, algorithms) can be forgotten.</summary>
public static class AuthServerJwtBearer
{
    /// <summary>Binds <see cref="AuthServerJwtOptions"/> from <paramref name="section"/> (validated at start).</summary>
    public static AuthenticationBuilder AddAuthServerJwtBearer(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return services.AddAuthServerJwtBearer(options => section.Bind(options));
    }

    public static AuthenticationBuilder AddAuthServerJwtBearer(this IServiceCollection services, Action<AuthServerJwtOptions> configure)
    {
        services.AddOptions<AuthServerJwtOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthServerJwtOptions>>(new AnnotatedOptionsValidator<AuthServerJwtOptions>(AuthServerJwtOptions.Section)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthServerJwtOptions>, AuthServerJwtOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<JwtBearerOptions>, ConfigureJwtBearer>());
        services.AddRevocationFeedServices();
        services.AddAuthorization();
        return services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
    }

    private sealed class ConfigureJwtBearer(IOptions<AuthServerJwtOptions> settings, IServiceProvider services) : IConfigureNamedOptions<JwtBearerOptions>
    {
        public void Configure(string? name, JwtBearerOptions options)
        {
            if (name == JwtBearerDefaults.AuthenticationScheme)
            {
                Configure(options);
            }
        }

        public void Configure(JwtBearerOptions options)
        {
            var value = settings.Value;
            options.Authority = value.Authority!.AbsoluteUri;
            options.Audience = value.Audience;
            options.RequireHttpsMetadata = value.RequireHttpsMetadata;

            // Keys fetched at once on the feed's key events, and on an unknown kid at most once per RefreshInterval (IssuerKeys).
            var keys = services.GetRequiredService<IssuerKeys>();
            options.ConfigurationManager = keys;

            // Claim names stay as the token spells them (sub, scope, role, client_id), not remapped to WS-* URIs.
            options.MapInboundClaims = false;
            var revoked = value.RevocationFeed.Enabled ? services.GetRequiredService<RevocationList>() : null;
            var clock = services.GetService<TimeProvider>() ?? TimeProvider.System;
            options.TokenHandlers.Clear();
            options.TokenHandlers.Add(new ValidatedTokenCache(new FetchUnknownKeys(new JsonWebTokenHandler { MapInboundClaims = false }, keys), clock,
                value.ValidatedTokenCacheSize, revoked));

            var parameters = options.TokenValidationParameters;
            parameters.ValidAudience = value.Audience;
            parameters.ValidateAudience = true;
            parameters.ValidateIssuer = true;
            parameters.ValidateLifetime = true;
            parameters.RequireExpirationTime = true;
            parameters.RequireSignedTokens = true;
            parameters.ClockSkew = value.ClockSkew;

            // RFC 9068 §4: only access tokens, so an identity token presented as a bearer token is refused.
            parameters.ValidTypes = ["at+jwt"];
            parameters.ValidAlgorithms = [.. value.ValidAlgorithms];
            parameters.NameClaimType = "sub";
            parameters.RoleClaimType = "role";
        }
    }
}
