using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;

namespace AuthServer.LoadTests;

/// <summary>What the flood got back while the scenario beside it was measured.</summary>
public sealed record FloodOutcome(int Workers, IReadOnlyDictionary<string, long> Answers, TimeSpan Elapsed, double[] LatenciesMs);

/// <summary>
/// A password spray beside the measured scenario: each worker sends wrong passwords for user names that do not exist,
/// a new name every time, so no (name, source) pair ever backs off and every attempt costs the server one hash. All of
/// it comes from 127.0.0.1, so the server needs Throttling__SignInsPerSourcePerMinute raised to stand for many sources.
/// </summary>
public sealed class Flood : IAsyncDisposable
{
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, long> _answers = new();
    private readonly ConcurrentQueue<double> _latencies = new();
    private readonly Task[] _workers;
    private readonly LoadSettings _settings;
    private long _recordingSince;
    private long _recordingUntil = long.MaxValue;

    private Flood(LoadSettings settings)
    {
        _settings = settings;
        // Its own connections: the measured scenario's pool stays the size it would be without the flood.
        _handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Flood, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        _http = new HttpClient(_handler) { Timeout = TimeSpan.FromSeconds(30) };
        _recordingSince = long.MaxValue;
        _workers = [.. Enumerable.Range(0, settings.Flood).Select(_ => Task.Run(LoopAsync))];
    }

    public static Flood Start(LoadSettings settings) => new(settings);

    /// <summary>From now on, answers count (those that arrive before <see cref="StopRecording"/>).</summary>
    public void StartRecording() => Interlocked.Exchange(ref _recordingSince, Stopwatch.GetTimestamp());

    public FloodOutcome StopRecording()
    {
        var until = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _recordingUntil, until);
        var elapsed = Stopwatch.GetElapsedTime(Interlocked.Read(ref _recordingSince), until);
        return new FloodOutcome(_settings.Flood, new Dictionary<string, long>(_answers), elapsed, [.. _latencies.Order()]);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _http.Dispose();
        _handler.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_settings.Server, "/connect/token"))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "password", ["client_id"] = _settings.Client, ["scope"] = _settings.Scope,
                    ["username"] = "spray-" + RandomNumberGenerator.GetHexString(16, lowercase: true),
                    ["password"] = "Wrong-Guess-" + RandomNumberGenerator.GetHexString(8, lowercase: true),
                }),
            };
            var started = Stopwatch.GetTimestamp();
            string answer;
            try
            {
                using var response = await _http.SendAsync(request, _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                answer = $"{(int)response.StatusCode} {LoadRunner.ErrorCode(body)}".Trim();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                answer = ex is HttpRequestException http ? $"connection: {http.HttpRequestError}" : "timeout";
            }

            var ended = Stopwatch.GetTimestamp();
            if (ended >= Interlocked.Read(ref _recordingSince) && ended <= Interlocked.Read(ref _recordingUntil))
            {
                _answers.AddOrUpdate(answer, 1, (_, c) => c + 1);
                _latencies.Enqueue(Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds);
            }
        }
    }
}
