namespace AuthServer.Observability;

public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Exposes the Prometheus endpoint. Off by default: it belongs on an internal port or network, which the deployment decides.</summary>
    public bool Enabled { get; set; }

    public string Path { get; set; } = "/metrics";
}
