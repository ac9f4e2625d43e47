using System.ComponentModel.DataAnnotations;

namespace AuthServer.Observability;

/// <summary>Traces and metrics (OpenTelemetry); where they go is the standard `OTEL_*` variables' business.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The variable that turns OTLP export on (traces and metrics), read by the exporter as the standard says.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>`service.name` on every span and metric, so several deployments can share one collector.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string ServiceName { get; set; } = "authserver";

    /// <summary>The share of new traces recorded (a caller's sampled traceparent is always followed): 1 records all.</summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 1.0;
}
