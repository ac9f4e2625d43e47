using OpenIddict.Validation.AspNetCore;

namespace AuthServer.Protocol;

/// <summary>
/// The admin API and the Shared Signals endpoints are resource servers of this very server: their callers present access
/// tokens, validated in process with the server's own keys (no JWKS fetch, no introspection), then re-checked against
/// the database (<see cref="CallerRecheck"/>). Each surface adds its own audience and checks its own scope.
/// </summary>
public static class CallerTokens
{
    public const string Scheme = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;

    public static IServiceCollection AddCallerTokens(this IServiceCollection services)
    {
        services.AddOpenIddict().AddValidation(validation =>
        {
            validation.UseLocalServer();

            // RFC 6750 §2.3/§5.3: the Authorization header only; tokens in URLs or forms end up in logs and caches.
            validation.UseAspNetCore()
                .DisableAccessTokenExtractionFromQueryString()
                .DisableAccessTokenExtractionFromBodyForm();
            foreach (var handler in ProtocolPipeline.Callers)
            {
                validation.AddEventHandler(handler);
            }
        });
        return services;
    }
}
