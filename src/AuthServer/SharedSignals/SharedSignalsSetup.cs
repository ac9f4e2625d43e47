using AuthServer.Settings;
using Microsoft.Extensions.Options;
using OpenIddict.Validation;

namespace AuthServer.SharedSignals;

public static class SharedSignalsSetup
{
    /// <summary>
    /// The revocation feed (OpenID SSF 1.0 transmitter, CAEP 1.0 events, RFC 8936 poll delivery). Receivers' tokens are
    /// validated by Protocol/CallerTokens, here for the feed's audience.
    /// </summary>
    public static IServiceCollection AddSharedSignals(this IServiceCollection services)
    {
        services.BindSettings<SharedSignalsOptions>(SharedSignalsOptions.Section);
        services.AddSingleton<IValidateOptions<SharedSignalsOptions>, SharedSignalsOptionsValidator>();
        services.AddScoped<SecurityEventLog>();
        services.AddScoped<EventStreams>();
        services.AddSingleton<SecurityEventTokens>();
        services.AddSingleton<LongPollSlots>();
        services.AddSingleton<IConfigureOptions<OpenIddictValidationOptions>, ConfigureAudience>();
        return services;
    }

    private sealed class ConfigureAudience(IOptions<SharedSignalsOptions> options) : IConfigureOptions<OpenIddictValidationOptions>
    {
        public void Configure(OpenIddictValidationOptions validation)
        {
            if (options.Value.Enabled)
            {
                validation.Audiences.Add(options.Value.Audience);
            }
        }
    }
}
