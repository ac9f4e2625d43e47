using AuthServer.Settings;
using Microsoft.Extensions.Options;

namespace AuthServer.Throttling;

public static class ThrottlingSetup
{
    public static IServiceCollection AddThrottling(this IServiceCollection services)
    {
        services.BindSettings<ThrottlingOptions>(ThrottlingOptions.Section);
        services.AddSingleton<IValidateOptions<ThrottlingOptions>, ThrottlingOptionsValidator>();
        services.AddSingleton<SignInLimits>();
        services.AddScoped<SignInThrottle>();
        services.AddSingleton<KnownDevices>();
        return services;
    }
}
