using AuthServer.Protocol;
using AuthServer.Settings;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Observability;

/// <summary>
/// OpenTelemetry traces and metrics: ASP.NET Core, HttpClient (JWKS, back-channel logout), EF Core, the runtime and our
/// own meter. Prometheus scrapes /metrics when `Metrics:Enabled`; OTLP export starts when `OTEL_EXPORTER_OTLP_ENDPOINT`
/// is set. Spans are recorded even without an exporter, so every log event carries its trace and span id.
/// </summary>
public static class TelemetrySetup
{
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.BindSettings<MetricsOptions>(MetricsOptions.Section);
        services.BindSettings<TelemetryOptions>(TelemetryOptions.Section);
        services.AddMetrics();
        services.AddSingleton<RecentActivity>();
        services.AddSingleton<AuthMetrics>();

        var otlp = !string.IsNullOrWhiteSpace(configuration[TelemetryOptions.OtlpEndpointVariable]);
        var serviceName = configuration.ReadBeforeStart<TelemetryOptions>(TelemetryOptions.Section).ServiceName;
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(serviceName));

        // Spans are recorded only when a collector receives them: unexported, they cost every request (EF Core's
        // instrumentation alone was 1.4 % of a refresh's CPU) and show nowhere. Log events carry the trace id either way.
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation()
                .SetSampler(provider => new ParentBasedSampler(
                    new TraceIdRatioBasedSampler(provider.GetRequiredService<IOptions<TelemetryOptions>>().Value.TraceSampleRatio)))
                .AddOtlpExporter());
        }

        telemetry
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(AuthMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });

        return services;
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (options.Enabled)
        {
            app.MapPrometheusScrapingEndpoint(options.Path);
        }

        return app;
    }

    /// <summary>Health probes and scrapes come every few seconds and say nothing about a request; they are not traced.</summary>
    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    /// <summary>Counts token responses as they leave, by grant type (refused sign-ins are counted by the user gate).</summary>
    public sealed class CountTokenResponses(AuthMetrics metrics) : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<CountTokenResponses>()
            .SetOrder(HandlerOrder.FirstOnResponse)
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
