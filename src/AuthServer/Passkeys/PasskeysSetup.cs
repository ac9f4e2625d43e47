using AuthServer.Settings;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AuthServer.Passkeys;

/// <summary>
/// Passkeys (WebAuthn) for the login and account pages, on ASP.NET Core Identity's handler and passkeys table. User
/// verification is required (the passkey is the whole sign-in, not a second factor) and credentials are discoverable,
/// so the browser can offer them before a name is typed.
/// </summary>
public static class PasskeysSetup
{
    public static IServiceCollection AddPasskeys(this IServiceCollection services)
    {
        services.BindSettings<PasskeyOptions>(PasskeyOptions.Section);
        services.AddSingleton<IValidateOptions<PasskeyOptions>, PasskeyOptionsValidator>();

        // AddIdentityCore leaves the handler out (AddIdentity would register it with cookies this server does not use).
        services.TryAddScoped<IPasskeyHandler<IdentityUser>, PasskeyHandler<IdentityUser>>();
        services.AddScoped<PasskeyCeremonies>();
        services.AddOptions<IdentityPasskeyOptions>().Configure<IOptions<PasskeyOptions>, IOptions<TokenServerOptions>>((identity, passkeys, tokens) =>
        {
            var issuer = tokens.Value.Issuer is { IsAbsoluteUri: true } absolute ? absolute : null;
            var origins = passkeys.Value.EffectiveOrigins(issuer);
            identity.ServerDomain = passkeys.Value.EffectiveRelyingPartyId(issuer);
            identity.AuthenticatorTimeout = passkeys.Value.CeremonyTimeout;
            identity.UserVerificationRequirement = "required";
            identity.ResidentKeyRequirement = "required";

            // Only the configured origins, never from inside another site's frame. Without an issuer (Development) the
            // request's own origin, as the host filter lets any local name reach the server there.
            identity.ValidateOrigin = context => ValueTask.FromResult(!context.CrossOrigin && context.Origin.TrimEnd('/').ToLowerInvariant() is var origin
                && (origins.Count > 0
                    ? origins.Contains(origin, StringComparer.Ordinal)
                    : string.Equals(origin, $"{context.HttpContext.Request.Scheme}://{context.HttpContext.Request.Host}", StringComparison.OrdinalIgnoreCase)));
        });
        return services;
    }
}
