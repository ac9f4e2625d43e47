using AuthServer.Settings;
using OpenIddict.Server;
using OpenTelemetry.Metrics;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Observability;

public static class MetricsSetup
{
    /// <summary>The counters are always recorded (cheap); exporting them over /metrics is a configuration choice.</summary>
    public static IServiceCollection AddMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.BindSettings<MetricsOptions>(MetricsOptions.Section);
        services.AddMetrics();
        services.AddSingleton<AuthMetrics>();
        services.AddOpenIddict().AddServer(server => server.AddEventHandler(CountTokenResponses.Descriptor));

        if (configuration.ReadBeforeStart<MetricsOptions>(MetricsOptions.Section) is { Enabled: true })
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(AuthMetrics.MeterName).AddPrometheusExporter());
        }

        return services;
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IConfiguration>().GetSection(MetricsOptions.Section).Get<MetricsOptions>();
        if (options is { Enabled: true })
        {
            app.MapPrometheusScrapingEndpoint(options.Path);
        }

        return app;
    }

    /// <summary>Counts token responses as they leave, by grant type (refused sign-ins are counted by the user gate).</summary>
    private sealed class CountTokenResponses(AuthMetrics metrics) : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<CountTokenResponses>()
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            if (string.IsNullOrEmpty(context.Response.Error))
            {
                metrics.TokenIssued(context.Request?.GrantType);
            }

            return default;
        }
    }
}
