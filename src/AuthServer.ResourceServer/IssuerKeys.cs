using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer;

/// <summary>
/// The issuer's metadata and signing keys as this API holds them: JwtBearer's configuration manager, what the revocation
/// feed verifies SETs with, and (through the sample's adapter) OpenIddict.Validation's. The keys are fetched:
/// <list type="bullet">
/// <item>at once when the feed announces a key change (<see cref="RefreshNowAsync"/>, <see cref="Expect"/>,
/// <see cref="Revoke"/>): the feed is authenticated, so nothing throttles it, and a revoked key is dropped before any fetch;</item>
/// <item>when a token names a key the set lacks (<see cref="EnsureKnownAsync"/>): at most one fetch per
/// <see cref="AuthServerJwtOptions.RefreshInterval"/>, never for a kid the current set is known to lack, and a request
/// never waits out the interval (it is refused, and the next allowed fetch is scheduled). A flood of forged kids thus
/// costs one fetch per interval and delays a genuine new key by one interval at most;</item>
/// <item>routinely after <see cref="AuthServerJwtOptions.AutomaticRefreshInterval"/>, in the background.</item>
/// </list>
/// IdentityModel's own manager throttles every unknown-key refresh to once per 5 minutes, which anyone can spend with one
/// forged token, and keeps a "last known good" set with keys the issuer withdrew; neither happens here. Longer than most
/// files: one lock guards the fetch state (the set in hand, the fetch under way, the scheduled one, the pending kids), and
/// its invariants are easier to keep in one place than across several.
/// </summary>
public sealed partial class IssuerKeys : BaseConfigurationManager, IConfigurationManager<OpenIdConnectConfiguration>, IDisposable
{
    public const string HttpClientName = "AuthServer.Metadata";

    /// <summary>A revoked kid is ignored this long even if a server instance that has not caught up still publishes it.</summary>
    private static readonly TimeSpan s_revokedFor = TimeSpan.FromDays(1);

    /// <summary>After a failed first fetch, requests fail without another attempt for this long (the server is down, not hammered).</summary>
    private static readonly TimeSpan s_retryAfterFailure = TimeSpan.FromSeconds(1);

    /// <summary>A new key the feed announced is looked for this long (a server instance behind the load balancer may publish it late).</summary>
    private static readonly TimeSpan s_expectFor = TimeSpan.FromSeconds(15);

    private const int MaxKidLength = 256;
    private const int MaxAbsentKids = 1_024;

    private readonly IHttpClientFactory _http;
    private readonly TimeProvider _clock;
    private readonly AuthServerJwtOptions _options;
    private readonly ILogger<IssuerKeys> _logger;
    private readonly Counter<long> _fetches;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    // Cancelled, never disposed: background fetches may still read its token.
    private readonly CancellationTokenSource _stopping = new();

    private Snapshot? _current;
    private Task<Snapshot>? _inflight;
    private Task? _scheduled;
    private Task? _routine;
    private DateTimeOffset _nextUnknownKidFetch;
    private (DateTimeOffset At, Exception Error)? _firstFailure;
    private long _sequence;
    private bool _failing;

    public IssuerKeys(IHttpClientFactory http, TimeProvider clock, IOptions<AuthServerJwtOptions> options, IMeterFactory meters, ILogger<IssuerKeys> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _http = http;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
        MetadataAddress = _options.Authority is { } authority ? authority.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration" : "";
        UseLastKnownGoodConfiguration = false;
        _fetches = meters.Create(RevocationFeed.MeterName).CreateCounter<long>("authserver.keys.fetches", "{fetch}",
            "Fetches of the issuer's metadata and JWKS, by reason (start, feed, unknown_kid, routine) and outcome (ok, error).");
    }

    /// <summary>The key ids held now (tests and diagnostics).</summary>
    public IReadOnlyCollection<string> KeyIds => Volatile.Read(ref _current)?.Kids ?? (IReadOnlyCollection<string>)[];

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var current = await CurrentAsync(cancel);
        if (_clock.GetUtcNow() - current.FetchedAt >= _options.AutomaticRefreshInterval)
        {
            lock (_gate)
            {
                if (_routine is null or { IsCompleted: true })
                {
                    _routine = Task.Run(() => FetchQuietlyAsync("routine"), CancellationToken.None);
                }
            }
        }

        return current.Configuration;
    }

    public override async Task<BaseConfiguration> GetBaseConfigurationAsync(CancellationToken cancel) => await GetConfigurationAsync(cancel);

    /// <summary>
    /// Nothing: IdentityModel asks for a refresh after every token it could not match to a key, forged or not. Unknown
    /// kids are handled before validation by <see cref="EnsureKnownAsync"/>, which can tell them apart.
    /// </summary>
    public override void RequestRefresh()
    {
    }

    /// <summary>
    /// Before a token is validated: if its `kid` is not in the set, fetch the keys (or join a fetch under way) when the
    /// interval allows, otherwise schedule the next allowed fetch and return at once.
    /// </summary>
    public async ValueTask EnsureKnownAsync(string? kid, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(kid) || kid.Length > MaxKidLength || _revoked.ContainsKey(kid))
        {
            return;
        }

        Snapshot current;
        try
        {
            current = await CurrentAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return;
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (current.Kids.Contains(kid) || current.Absent.ContainsKey(kid))
            {
                return;
            }

            Task? waitFor;
            var startedForThisKid = false;
            lock (_gate)
            {
                var now = _clock.GetUtcNow();
                if (_inflight is { IsCompleted: false } running)
                {
                    // It may have started before this key was published: not proof of absence, so look again after it.
                    waitFor = running;
                }
                else if (now < _nextUnknownKidFetch || _scheduled is not null)
                {
                    // Inside the interval (or at its end, with the scheduled fetch about to start): that fetch looks for this kid too.
                    if (_pending.Count < MaxAbsentKids)
                    {
                        _pending.Add(kid);
                    }

                    _scheduled ??= Task.Run(() => ScheduledFetchAsync(_nextUnknownKidFetch - now), CancellationToken.None);
                    waitFor = now >= _nextUnknownKidFetch ? _scheduled : null;
                }
                else
                {
                    _nextUnknownKidFetch = now + _options.RefreshInterval;
                    waitFor = _inflight = FetchAsync("unknown_kid", CancellationToken.None);
                    startedForThisKid = true;
                }
            }

            if (waitFor is null)
            {
                return;
            }

            try
            {
                await waitFor.WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return;
            }

            current = Volatile.Read(ref _current)!;
            if (startedForThisKid)
            {
                current.MarkAbsent(kid);
                return;
            }
        }
    }

    /// <summary>Fetches the keys now (the feed said they changed, or a SET names a key this set lacks).</summary>
    public async Task RefreshNowAsync(CancellationToken cancellationToken) => await FetchAsync("feed", cancellationToken);

    /// <summary>
    /// The feed announced <paramref name="kid"/>: fetched in the background until it is published (a server instance
    /// behind the load balancer may publish it a moment later than the one that wrote the event), for 15 s at most.
    /// </summary>
    public void Expect(string kid) => _ = Task.Run(() => ExpectAsync(kid));

    /// <summary>
    /// The feed revoked <paramref name="kid"/>: dropped from the set at once, ignored in every fetch for a day, and the
    /// keys fetched again in the background (the revoked key's replacement).
    /// </summary>
    public void Revoke(string kid)
    {
        if (string.IsNullOrEmpty(kid) || kid.Length > MaxKidLength)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        _revoked[kid] = now + s_revokedFor;
        foreach (var (expired, _) in _revoked.Where(entry => entry.Value <= now))
        {
            _revoked.TryRemove(expired, out _);
        }

        lock (_gate)
        {
            if (_current is { } current && current.Kids.Contains(kid))
            {
                _current = current.Without(_revoked.Keys);
                LogKeyDropped(_logger, kid);
            }
        }

        _ = Task.Run(() => FetchQuietlyAsync("feed"));
    }

    /// <summary>The `kid` of a compact JWS or JWE, read from its header alone; null when there is none or the text is not a JWT.</summary>
    public static string? KidOf(string? token)
    {
        var dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot is <= 0 or > 4_096)
        {
            return null;
        }

        try
        {
            using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token![..dot]));
            return header.RootElement.ValueKind == JsonValueKind.Object && header.RootElement.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String
                ? kid.GetString()
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    public void Dispose() => _stopping.Cancel();

    private async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } current)
        {
            return current;
        }

        Task<Snapshot> first;
        lock (_gate)
        {
            if (_current is { } loaded)
            {
                return loaded;
            }

            if (_firstFailure is { } failure && _clock.GetUtcNow() - failure.At < s_retryAfterFailure)
            {
                throw new InvalidOperationException("The issuer's metadata could not be fetched.", failure.Error);
            }

            first = _inflight is { IsCompleted: false } running ? running : _inflight = FetchAsync("start", CancellationToken.None);
        }

        try
        {
            return await first.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            lock (_gate)
            {
                _firstFailure = (_clock.GetUtcNow(), ex);
            }

            throw;
        }
    }

    private async Task ExpectAsync(string kid)
    {
        var until = _clock.GetUtcNow() + s_expectFor;
        try
        {
            while (!_revoked.ContainsKey(kid))
            {
                try
                {
                    if ((await FetchAsync("feed", _stopping.Token)).Kids.Contains(kid))
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Logged by the fetch; tried again below.
                }

                if (_clock.GetUtcNow() >= until)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), _clock, _stopping.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Stopping.
        }
    }

    private async Task ScheduledFetchAsync(TimeSpan wait)
    {
        try
        {
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _clock, _stopping.Token);
            }

            Task<Snapshot> fetch;
            string[] asked;
            lock (_gate)
            {
                _scheduled = null;
                _nextUnknownKidFetch = _clock.GetUtcNow() + _options.RefreshInterval;
                asked = [.. _pending];
                _pending.Clear();
                fetch = _inflight = FetchAsync("unknown_kid", CancellationToken.None);
            }

            var after = await fetch;
            foreach (var kid in asked)
            {
                after.MarkAbsent(kid);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || _stopping.IsCancellationRequested)
        {
            // Logged by the fetch; the next unknown kid schedules another.
        }
    }

    private async Task FetchQuietlyAsync(string reason)
    {
        try
        {
            await FetchAsync(reason, _stopping.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || _stopping.IsCancellationRequested)
        {
            // Logged by the fetch; the set in hand stays.
        }
    }

    /// <summary>One fetch of the discovery document and JWKS. A result replaces the set only if no later-started fetch already did.</summary>
    private async Task<Snapshot> FetchAsync(string reason, CancellationToken cancellationToken)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        OpenIdConnectConfiguration configuration;
        try
        {
            var client = _http.CreateClient(HttpClientName);
            client.Timeout = _options.RevocationFeed.RequestTimeout;
            configuration = await OpenIdConnectConfigurationRetriever.GetAsync(MetadataAddress,
                new HttpDocumentRetriever(client) { RequireHttps = _options.RequireHttpsMetadata }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _fetches.Add(1, new("reason", reason), new("outcome", "error"));
            lock (_gate)
            {
                if (!_failing)
                {
                    _failing = true;
                    LogFetchFailed(_logger, ex.InnerException?.Message ?? ex.Message);
                }
            }

            throw;
        }

        _fetches.Add(1, new("reason", reason), new("outcome", "ok"));
        var fetched = new Snapshot(configuration, _clock.GetUtcNow(), sequence).Without(_revoked.Keys);
        lock (_gate)
        {
            _failing = false;
            _firstFailure = null;
            if (_current is { } current && current.Sequence > sequence)
            {
                return current;
            }

            if (_current is { } previous && previous.Kids.SetEquals(fetched.Kids))
            {
                fetched.KeepAbsent(previous);
            }
            else if (_current is not null)
            {
                LogKeysChanged(_logger, fetched.Kids, reason);
            }

            _current = fetched;
            return fetched;
        }
    }

    /// <summary>One fetched set: immutable but for the kids known to be absent from it.</summary>
    private sealed class Snapshot(OpenIdConnectConfiguration configuration, DateTimeOffset fetchedAt, long sequence)
    {
        public OpenIdConnectConfiguration Configuration { get; } = configuration;

        public DateTimeOffset FetchedAt { get; } = fetchedAt;

        public long Sequence { get; } = sequence;

        public HashSet<string> Kids { get; } = new(configuration.SigningKeys.Select(key => key.KeyId).OfType<string>(), StringComparer.Ordinal);

        public ConcurrentDictionary<string, byte> Absent { get; private set; } = new(StringComparer.Ordinal);

        public void MarkAbsent(string kid)
        {
            if (!Kids.Contains(kid) && Absent.Count < MaxAbsentKids)
            {
                Absent.TryAdd(kid, 0);
            }
        }

        public void KeepAbsent(Snapshot previous) => Absent = previous.Absent;

        /// <summary>A copy without the revoked keys (a new object: validations under way keep the one they hold).</summary>
        public Snapshot Without(ICollection<string> revoked)
        {
            if (!Kids.Overlaps(revoked))
            {
                return this;
            }

            var copy = new OpenIdConnectConfiguration
            {
                Issuer = Configuration.Issuer,
                JwksUri = Configuration.JwksUri,
                TokenEndpoint = Configuration.TokenEndpoint,
                AuthorizationEndpoint = Configuration.AuthorizationEndpoint,
                JsonWebKeySet = new JsonWebKeySet(),
            };
            foreach (var key in Configuration.SigningKeys.Where(key => !revoked.Contains(key.KeyId)))
            {
                copy.SigningKeys.Add(key);
            }

            foreach (var key in Configuration.JsonWebKeySet?.Keys.Where(key => !revoked.Contains(key.Kid)) ?? [])
            {
                copy.JsonWebKeySet.Keys.Add(key);
            }

            return new Snapshot(copy, FetchedAt, Sequence);
        }
    }

    [LoggerMessage(EventId = 2028, Level = LogLevel.Warning, Message = "The issuer's keys could not be fetched ({Reason}); the keys in hand stay in use")]
    private static partial void LogFetchFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2029, Level = LogLevel.Information, Message = "The issuer's signing keys are now {KeyIds} (fetched for: {Reason})")]
    private static partial void LogKeysChanged(ILogger logger, IEnumerable<string> keyIds, string reason);

    [LoggerMessage(EventId = 2030, Level = LogLevel.Warning, Message = "Signing key {KeyId} revoked by the issuer: its tokens are refused from now on")]
    private static partial void LogKeyDropped(ILogger logger, string keyId);
}
