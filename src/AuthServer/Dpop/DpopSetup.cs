using AuthServer.Settings;

namespace AuthServer.Dpop;

public static class DpopSetup
{
    public static IServiceCollection AddDpop(this IServiceCollection services)
    {
        services.BindSettings<DpopOptions>(DpopOptions.Section);
        services.AddSingleton<DpopNonces>();
        services.AddScoped<DpopReplayCache>();
        return services;
    }
}
