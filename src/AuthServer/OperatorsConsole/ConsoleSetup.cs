using AuthServer.Settings;
using Microsoft.Extensions.Options;

namespace AuthServer.OperatorsConsole;

public static class ConsoleSetup
{
    /// <summary>The operators' console: its settings always (so `check` reports them), its pages only when enabled.</summary>
    public static IServiceCollection AddOperatorsConsole(this IServiceCollection services)
    {
        services.BindSettings<ConsoleOptions>(ConsoleOptions.Section);
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddScoped<ConsoleAccess>();
        services.AddScoped<ConsoleReads>();
        return services;
    }

    public static IEndpointRouteBuilder MapOperatorsConsoleIfEnabled(this IEndpointRouteBuilder app) =>
        app.ServiceProvider.GetRequiredService<IOptions<ConsoleOptions>>().Value.Enabled ? app.MapOperatorsConsole() : app;
}
