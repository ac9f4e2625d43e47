using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>
/// OpenTelemetry seen from the outside: what an OTLP collector receives when the standard variable
/// points at it, and the trace id a caller sent on the server's own log events.
/// </summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Spans_and_metrics_reach_an_otlp_collector_when_its_endpoint_is_set()
    {
        using var collector = new OtlpCollector();
        using var server = new AuthServerFactory()
            .Set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Endpoint)
            .Set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .Set("OTEL_BSP_SCHEDULE_DELAY", "100")
            .Set("OTEL_METRIC_EXPORT_INTERVAL", "250")
            .Set("Telemetry:ServiceName", "authserver-under-test");
        var client = server.CreateTokenClient();

        (await client.ClientCredentialsAsync()).ShouldSucceed();

        // Protobuf keeps strings as UTF-8, so what the collector got can be read without a decoder.
        var traces = await collector.WaitForAsync("/v1/traces", "/connect/token");
        Assert.Contains("authserver-under-test", traces, StringComparison.Ordinal);
        var metrics = await collector.WaitForAsync("/v1/metrics", "authserver.tokens.issued");
        Assert.Contains("http.server.request.duration", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet.gc.collections", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_events_of_a_request_carry_the_callers_trace_id()
    {
        using var server = new AuthServerFactory();
        var client = server.CreateTokenClient();
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = "ops", ["client_secret"] = "wrong" }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        using var response = await client.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(server.LogEvents, logEvent => logEvent.TraceId == traceId && logEvent.SpanId is not null);
    }

    /// <summary>An OTLP/HTTP receiver on loopback that keeps every body it is sent, by path.</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly HttpListener _listener;
        private readonly ConcurrentQueue<(string Path, string Body)> _received = new();
        private readonly Task _serving;

        public OtlpCollector()
        {
            // A free port can be taken by another test's process between the probe and the listener's start: try another.
            for (var attempt = 1; ; attempt++)
            {
                using (var probe = new TcpListener(IPAddress.Loopback, 0))
                {
                    probe.Start();
                    Endpoint = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
                }

                _listener = new HttpListener();
                _listener.Prefixes.Add(Endpoint + "/");
                try
                {
                    _listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    _listener.Close();
                }
            }

            _serving = ServeAsync();
        }

        public string Endpoint { get; }

        public async Task<string> WaitForAsync(string path, string text)
        {
            var all = string.Empty;
            await Eventually.TrueAsync(
                () => (all = string.Concat(_received.Where(r => r.Path == path).Select(r => r.Body))).Contains(text, StringComparison.Ordinal),
                $"Nothing with '{text}' reached {path}",
                TimeSpan.FromSeconds(30));
            return all;
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _serving.Wait(TimeSpan.FromSeconds(5));
        }

        private async Task ServeAsync()
        {
            try
            {
                while (_listener.IsListening)
                {
                    var context = await _listener.GetContextAsync();
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    _received.Enqueue((context.Request.Url!.AbsolutePath, Encoding.UTF8.GetString(body.ToArray())));
                    context.Response.ContentType = "application/x-protobuf";
                    context.Response.Close();
                }
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // Stopped.
            }
        }
    }
}
