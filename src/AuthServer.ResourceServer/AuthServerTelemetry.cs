using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AuthServer.ResourceServer;

/// <summary>
/// What an API or a BFF beside AuthServer adds for observability, in one call: OpenTelemetry traces and metrics for
/// ASP.NET Core, HttpClient (discovery, JWKS, the revocation feed, proxied calls) and the runtime, plus any
/// meters the caller names. Exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the other
/// `OTEL_*` variables apply as the standard says). An incoming traceparent is followed, so one request is one trace
/// through the BFF, the API and AuthServer.
/// </summary>
public static class AuthServerTelemetry
{
    public static IHostApplicationBuilder AddAuthServerTelemetry(this IHostApplicationBuilder builder, params string[] meters)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } named ? named : builder.Environment.ApplicationName;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                    .AddHttpClientInstrumentation();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(meters).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return builder;
    }
}
