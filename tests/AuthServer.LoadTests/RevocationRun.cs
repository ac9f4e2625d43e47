using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AuthServer.LoadTests;

/// <summary>
/// The revocation feed's figures (docs/benchmarks.md). `revocation`: a fresh sign-in, the API accepts its access token,
/// then the operator revokes the user and the token is tried every 10 ms until the API refuses it: the time from
/// sending the revoking call to the first 401, over --rounds revocations. `poll`: this tool acts as one more receiver
/// (its own stream, drained first) and sends idle polls back to back: bytes on the wire per poll and the server's CPU
/// per poll. `idle`: CPU of --server-pid and --api-pid over --seconds with no load, so an API's poller costs what it
/// costs.
/// </summary>
public static class RevocationRun
{
    public static async Task RunAsync(string scenario, LoadSettings settings, TextWriter log)
    {
        switch (scenario)
        {
            case "revocation":
                await PropagationAsync(settings, log);
                break;
            case "poll":
                await IdlePollsAsync(settings, log);
                break;
            case "idle":
                await IdleAsync(settings, log);
                break;
        }
    }

    private static async Task PropagationAsync(LoadSettings settings, TextWriter log)
    {
        using var http = new HttpClient { BaseAddress = settings.Server, Timeout = TimeSpan.FromSeconds(30) };
        using var api = new HttpClient { BaseAddress = settings.Api, Timeout = TimeSpan.FromSeconds(30) };
        var admin = await TokenAsync(http, settings.ConfidentialClient, settings.Secret, "ops");
        var times = new List<double>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var access = await TokenAsync(http, settings.Client, null, settings.Scope, settings.User, settings.Password);
            if (await StatusAsync(api, access) != HttpStatusCode.OK)
            {
                throw new InvalidOperationException("The API refused a fresh token; is it running with the revocation feed on?");
            }

            var watch = Stopwatch.StartNew();
            using (var revoke = new HttpRequestMessage(HttpMethod.Post, new Uri($"/admin/users/{settings.User}/revoke-tokens", UriKind.Relative)))
            {
                revoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
                using var response = await http.SendAsync(revoke);
                response.EnsureSuccessStatusCode();
            }

            while (await StatusAsync(api, access) != HttpStatusCode.Unauthorized)
            {
                if (watch.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException("The API still accepts the revoked token after 30 s.");
                }

                await Task.Delay(10);
            }

            times.Add(watch.Elapsed.TotalMilliseconds);

            // Spread the revocations over the poll cycle instead of locking them to it.
            await Task.Delay(Random.Shared.Next(0, 1000));
        }

        var sorted = times.Order().ToArray();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"revocation → first 401 at the API, {sorted.Length} revocations of {settings.User}:"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  p50 {Percentile(sorted, 50):0} ms, p90 {Percentile(sorted, 90):0} ms, p99 {Percentile(sorted, 99):0} ms, max {sorted[^1]:0} ms, min {sorted[0]:0} ms"));
    }

    private static async Task IdlePollsAsync(LoadSettings settings, TextWriter log)
    {
        var counter = new WireCounter { InnerHandler = new SocketsHttpHandler { MaxConnectionsPerServer = 1 } };
        using var http = new HttpClient(counter) { BaseAddress = settings.Server, Timeout = TimeSpan.FromSeconds(30) };
        var token = await TokenAsync(http, settings.FeedClient, settings.FeedSecret, "ssf");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await http.PostAsJsonAsync(new Uri("/ssf/streams", UriKind.Relative), new { delivery = new { method = "urn:ietf:rfc:8936" } });
        created.EnsureSuccessStatusCode();
        var stream = await created.Content.ReadFromJsonAsync<JsonElement>();
        var poll = new Uri(stream.GetProperty("delivery").GetProperty("endpoint_url").GetString()!).PathAndQuery;

        // Drain what is live, so what follows is the idle poll every API instance sends once a second.
        string[] ack = [];
        while (true)
        {
            using var drained = await http.PostAsJsonAsync(new Uri(poll, UriKind.Relative), new { ack, returnImmediately = true, maxEvents = 1000 });
            var sets = (await drained.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sets");
            ack = [.. sets.EnumerateObject().Select(p => p.Name)];
            if (ack.Length == 0)
            {
                break;
            }
        }

        // Warm-up (tiered JIT), unmeasured.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < settings.Warmup)
        {
            using var response = await http.PostAsJsonAsync(new Uri(poll, UriKind.Relative), new { returnImmediately = true, maxEvents = 100 });
            response.EnsureSuccessStatusCode();
        }

        counter.Reset();
        var cpuBefore = ProcessStats.CpuMilliseconds(settings.ServerPid);
        var watch = Stopwatch.StartNew();
        var polls = 0;
        var latencies = new List<double>();
        while (watch.Elapsed < settings.Duration && polls < settings.MaxRequests)
        {
            var one = Stopwatch.StartNew();
            using var response = await http.PostAsJsonAsync(new Uri(poll, UriKind.Relative), new { returnImmediately = true, maxEvents = 100 });
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            latencies.Add(one.Elapsed.TotalMilliseconds);
            polls++;
        }

        var cpu = ProcessStats.CpuMilliseconds(settings.ServerPid) - cpuBefore;
        var sorted = latencies.Order().ToArray();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle polls: {polls} in {watch.Elapsed.TotalSeconds:0.0} s, one connection, back to back"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  bytes per poll: request {counter.RequestBytes / (double)polls:0} + response {counter.ResponseBytes / (double)polls:0} (HTTP/1.1 headers and body)"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  latency p50 {Percentile(sorted, 50):0.00} ms, p99 {Percentile(sorted, 99):0.00} ms; server CPU per poll {(cpu is { } ms ? $"{ms / polls:0.000} ms" : "n/a (no --server-pid)")}"));
        using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri($"/ssf/streams?stream_id={stream.GetProperty("stream_id").GetString()}", UriKind.Relative));
        using var deleted = await http.SendAsync(delete);
    }

    private static async Task IdleAsync(LoadSettings settings, TextWriter log)
    {
        var server = ProcessStats.CpuMilliseconds(settings.ServerPid);
        var api = ProcessStats.CpuMilliseconds(settings.ApiPid);
        await Task.Delay(settings.Duration);
        var seconds = settings.Duration.TotalSeconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle {seconds:0} s: server CPU {(ProcessStats.CpuMilliseconds(settings.ServerPid) - server) / seconds:0.00} ms/s, " +
            $"API CPU {(ProcessStats.CpuMilliseconds(settings.ApiPid) - api) / seconds:0.00} ms/s"));
    }

    private static async Task<string> TokenAsync(HttpClient http, string client, string? secret, string scope, string? user = null, string? password = null)
    {
        var form = new Dictionary<string, string> { ["client_id"] = client, ["scope"] = scope };
        if (user is null)
        {
            form["grant_type"] = "client_credentials";
            form["client_secret"] = secret!;
        }
        else
        {
            form["grant_type"] = "password";
            form["username"] = user;
            form["password"] = password!;
        }

        using var content = new FormUrlEncodedContent(form);
        using var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>The API's answer to a GET /api/me with <paramref name="token"/> (also the keys scenario's probe).</summary>
    internal static async Task<HttpStatusCode> StatusAsync(HttpClient api, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/me", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await api.SendAsync(request);
        return response.StatusCode;
    }

    internal static double Percentile(double[] sorted, int percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Approximate HTTP/1.1 bytes: request line, headers and body each way (no TCP/IP overhead).</summary>
    private sealed class WireCounter : DelegatingHandler
    {
        public long RequestBytes { get; private set; }

        public long ResponseBytes { get; private set; }

        public void Reset() => (RequestBytes, ResponseBytes) = (0, 0);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            RequestBytes += Encoding.ASCII.GetByteCount($"{request.Method} {request.RequestUri!.PathAndQuery} HTTP/1.1\r\nHost: {request.RequestUri.Authority}\r\n")
                + Headers(request.Headers) + (request.Content is null ? 0 : Headers(request.Content.Headers) + 24) + body.Length + 2;
            var response = await base.SendAsync(request, cancellationToken);
            var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            ResponseBytes += Encoding.ASCII.GetByteCount($"HTTP/1.1 {(int)response.StatusCode} {response.ReasonPhrase}\r\n")
                + Headers(response.Headers) + Headers(response.Content.Headers) + content.Length + 2;
            return response;
        }

        private static int Headers(HttpHeaders headers) =>
            headers.Sum(h => Encoding.ASCII.GetByteCount($"{h.Key}: {string.Join(", ", h.Value)}\r\n"));
    }
}
