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

    /// <summary>Counts every request in flight, so an idle hashing slot is given only while nothing but sign-ins is served (<see cref="SignInLimits"/>).</summary>
    public static IApplicationBuilder UseRequestsInFlight(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<SignInLimits>();
        return app.Use(async (context, next) =>
        {
            using var inFlight = limits.RequestInFlight();
            await next(context);
        });
    }
}
