using AuthServer.Contracts.Dpop;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace AuthServer.LoadTests;

public sealed record ScenarioResult(
    string Name, long Succeeded, IReadOnlyDictionary<string, long> Failures, TimeSpan Elapsed, double[] LatenciesMs,
    double? ServerCpuMs, long? ServerPeakRssBytes, FloodOutcome? Flood = null);

/// <summary>Runs one scenario: N workers over keep-alive connections, a warm-up, then a measured window.</summary>
public static class LoadRunner
{
    public static async Task<ScenarioResult> RunAsync(string scenario, LoadSettings settings)
    {
        if (scenario == "hasher")
        {
            return HasherRun.Run(settings);
        }

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var workers = await Task.WhenAll(Enumerable.Range(0, settings.Connections).Select(i => Worker.CreateAsync(scenario, i, http, settings)));

        // Started after the workers' own sign-ins, and through the warm-up, so the measured window sees a flood already queued.
        await using var flood = settings.Flood > 0 ? Flood.Start(settings) : null;

        using (var warm = new CancellationTokenSource(settings.Warmup))
        {
            await Task.WhenAll(workers.Select(w => w.LoopAsync(record: false, long.MaxValue, warm.Token)));
        }

        var pid = scenario is "api" or "open" ? settings.ApiPid : settings.ServerPid;
        var cpuBefore = ProcessStats.CpuMilliseconds(pid);
        using var sampler = ProcessStats.SamplePeakRss(pid);
        var clock = Stopwatch.StartNew();
        flood?.StartRecording();
        using (var measured = new CancellationTokenSource(settings.Duration))
        {
            var perWorker = settings.MaxRequests / settings.Connections + 1;
            await Task.WhenAll(workers.Select(w => w.LoopAsync(record: true, perWorker, measured.Token)));
        }

        clock.Stop();
        var flooded = flood?.StopRecording();
        var cpu = ProcessStats.CpuMilliseconds(pid) - cpuBefore;
        var failures = workers.SelectMany(w => w.Failures).GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Sum(f => f.Value));
        var latencies = workers.SelectMany(w => w.Latencies).Order().ToArray();
        return new ScenarioResult(scenario, workers.Sum(w => w.Succeeded), failures, clock.Elapsed, latencies, cpu, sampler.PeakBytes, flooded);
    }

    private sealed class Worker(string scenario, int index, HttpClient http, LoadSettings settings)
    {
        private readonly DpopSigner? _dpop = settings.Dpop ? new DpopSigner() : null;
        private string? _refreshToken;
        private string? _accessToken;
        private long _sequence;

        public List<double> Latencies { get; } = new(4096);
        public ConcurrentDictionary<string, long> Failures { get; } = new();
        public long Succeeded { get; private set; }

        public static async Task<Worker> CreateAsync(string scenario, int index, HttpClient http, LoadSettings settings)
        {
            var worker = new Worker(scenario, index, http, settings);
            if (scenario is "refresh" or "api" or "mixed")
            {
                worker.Keep(await SignInForSetupAsync(worker, http));
            }

            return worker;
        }

        /// <summary>
        /// 16 sign-ins at once can meet a short hashing queue (Throttling:QueuedPasswordHashes): a 429 is waited out
        /// as its Retry-After says, as a real client would, a few times.
        /// </summary>
        private static async Task<string> SignInForSetupAsync(Worker worker, HttpClient http)
        {
            for (var attempt = 1; ; attempt++)
            {
                using var response = await http.SendAsync(worker.Password());
                var body = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    return body;
                }

                if (response.StatusCode != System.Net.HttpStatusCode.TooManyRequests || attempt == 20)
                {
                    throw new InvalidOperationException($"Setup sign-in failed: {(int)response.StatusCode} {body}");
                }

                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            }
        }

        public async Task LoopAsync(bool record, long maxRequests, CancellationToken stop)
        {
            for (long n = 0; n < maxRequests && !stop.IsCancellationRequested; n++)
            {
                using var request = Next();
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, CancellationToken.None);
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (response.IsSuccessStatusCode)
                    {
                        Keep(body);
                        if (record)
                        {
                            Succeeded++;
                            Latencies.Add(elapsed);
                        }
                    }
                    else if (record)
                    {
                        Failures.AddOrUpdate($"{(int)response.StatusCode} {ErrorCode(body)}", 1, (_, c) => c + 1);
                    }
                }
                catch (HttpRequestException ex) when (record)
                {
                    Failures.AddOrUpdate($"connection: {ex.HttpRequestError}", 1, (_, c) => c + 1);
                }
            }
        }

        private HttpRequestMessage Next()
        {
            var kind = scenario == "mixed"
                ? (_sequence++ % 20) switch { 0 => "password", var s when s % 2 == 1 => "refresh", _ => "client-credentials" }
                : scenario;
            return kind switch
            {
                "password" => Password(),
                "refresh" => Token(new() { ["grant_type"] = "refresh_token", ["client_id"] = settings.Client, ["refresh_token"] = _refreshToken! }),
                "client-credentials" => Token(new()
                {
                    ["grant_type"] = "client_credentials", ["client_id"] = settings.ConfidentialClient, ["client_secret"] = settings.Secret, ["scope"] = "ops",
                }),
                "api" => new HttpRequestMessage(HttpMethod.Get, new Uri(settings.Api, "/api/me")) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _accessToken) } },
                "open" => new HttpRequestMessage(HttpMethod.Get, new Uri(settings.Api, "/open")),
                _ => throw new InvalidOperationException($"Unknown scenario {kind} (worker {index})."),
            };
        }

        private HttpRequestMessage Password() => Token(new()
        {
            ["grant_type"] = "password", ["client_id"] = settings.Client, ["username"] = settings.User, ["password"] = settings.Password, ["scope"] = settings.Scope,
        });

        private HttpRequestMessage Token(Dictionary<string, string> form)
        {
            var endpoint = new Uri(settings.Server, "/connect/token");
            var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
            if (_dpop is not null)
            {
                request.Headers.Add("DPoP", _dpop.Proof("POST", endpoint, DateTimeOffset.UtcNow));
            }

            return request;
        }

        /// <summary>Each refresh chain redeems the token its previous call returned.</summary>
        private void Keep(string body)
        {
            if (!body.StartsWith('{'))
            {
                return;
            }

            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("refresh_token", out var refresh))
            {
                _refreshToken = refresh.GetString();
            }

            if (json.RootElement.TryGetProperty("access_token", out var access) && scenario == "api" && _accessToken is null)
            {
                _accessToken = access.GetString();
            }
            else if (json.RootElement.TryGetProperty("access_token", out access) && _accessToken is null)
            {
                _accessToken = access.GetString();
            }
        }
    }

    /// <summary>The OAuth `error` of a refusal, or nothing when the body is not an OAuth error.</summary>
    internal static string ErrorCode(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
