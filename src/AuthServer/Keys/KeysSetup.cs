using AuthServer.Settings;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace AuthServer.Keys;

public static class KeysSetup
{
    /// <summary>
    /// The signing and encryption keys: from files, the Development folder, or managed in the database (automatic), and
    /// OpenIddict's options rebuilt whenever the key ring changes.
    /// </summary>
    public static IServiceCollection AddKeys(this IServiceCollection services, IHostEnvironment environment)
    {
        services.BindSettings<KeyOptions>(KeyOptions.Section);
        services.AddSingleton<IValidateOptions<KeyOptions>, KeyOptionsValidator>();
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<KeyOptions>>().Value;
            var source = new KeyRingSource(options.SourceIn(environment));
            if (source.Source != KeySource.Automatic)
            {
                source.Publish(KeyRing.Load(options, environment));
            }

            return source;
        });
        services.AddSingleton<ManagedKeys>();

        // After the database initializer (AddPersistence): the first automatic keys are read from, or created in, the migrated schema.
        services.AddSingleton<ManagedKeyRefresher>();
        services.AddHostedService(provider => provider.GetRequiredService<ManagedKeyRefresher>());
        services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>>(provider =>
            new KeyRingChangeTokenSource<OpenIddictServerOptions>(provider.GetRequiredService<KeyRingSource>(), stage: 0));
        services.AddSingleton<IOptionsChangeTokenSource<OpenIddictValidationOptions>>(provider =>
            new KeyRingChangeTokenSource<OpenIddictValidationOptions>(provider.GetRequiredService<KeyRingSource>(), stage: 1));
        return services;
    }
}
