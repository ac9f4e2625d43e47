using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuthServer.Contracts.SharedSignals;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer;

/// <summary>
/// Polls AuthServer's revocation feed (OpenID SSF 1.0, RFC 8936 poll delivery) and keeps <see cref="RevocationList"/>
/// current. At start it reads the transmitter metadata, gets a client-credentials token and creates its own stream, so
/// every instance of an API hears every event (and a restarted one is served every event still relevant). Each SET is
/// verified (signature from the issuer's JWKS, `typ`, `iss`, `aud`) before it counts; one that fails is reported back in
/// `setErrs` and ignored. While the server is unreachable the list stays as it was, the failure is logged once and
/// measured, and the health check turns unhealthy after <see cref="RevocationFeedSettings.StaleAfter"/>; nothing is lost,
/// because the server keeps each event until this stream acknowledges it or it can no longer matter.
/// </summary>
public sealed partial class RevocationFeed : BackgroundService
{
    public const string HttpClientName = "AuthServer.RevocationFeed";
    public const string MeterName = "AuthServer.ResourceServer";

    private const string SetType = "secevent+jwt";
    /// <summary>Polls a SET signed by a key not yet published everywhere is left for (unacknowledged) before it is rejected.</summary>
    private const int UnknownKeyPolls = 5;

    /// <summary>When a SET names no retention, every token it could refuse has surely expired after this.</summary>
    private static readonly TimeSpan s_defaultRetention = TimeSpan.FromHours(1);
    private static readonly TimeSpan s_pruneInterval = TimeSpan.FromSeconds(30);
    private static readonly JsonWebTokenHandler s_handler = new() { MapInboundClaims = false };

    private readonly IHttpClientFactory _http;
    private readonly RevocationList _list;
    private readonly IssuerKeys _keys;
    private readonly TimeProvider _clock;
    private readonly AuthServerJwtOptions _options;
    private readonly RevocationFeedSettings _settings;
    private readonly ILogger<RevocationFeed> _logger;
    private readonly Counter<long> _polls;
    private readonly Counter<long> _events;
    private readonly List<string> _acks = [];
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _unknownKeyAttempts = new(StringComparer.Ordinal);

    private Uri? _configurationEndpoint;
    private string? _accessToken;
    private DateTimeOffset _accessTokenExpires;
    private Uri? _pollEndpoint;
    private string? _streamId;
    // UTC ticks, read by request threads while the poller writes them (a DateTimeOffset could tear): 0 = never.
    private long _startedTicks;
    private long _lastSuccessTicks;
    private DateTimeOffset _lastPrune;
    private bool _failing;
    private bool _refreshedThisPoll;
    private bool _tokenRefused;

    public RevocationFeed(IHttpClientFactory http, RevocationList list, IssuerKeys keys, TimeProvider clock, IOptions<AuthServerJwtOptions> options, IMeterFactory meters, ILogger<RevocationFeed> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _http = http;
        _list = list;
        _keys = keys;
        _clock = clock;
        _options = options.Value;
        _settings = options.Value.RevocationFeed;
        _logger = logger;
        _startedTicks = clock.GetUtcNow().UtcTicks;

        var meter = meters.Create(MeterName);
        _polls = meter.CreateCounter<long>("authserver.revocation_feed.polls", "{poll}", "Polls of the revocation feed, by outcome (ok, error).");
        _events = meter.CreateCounter<long>("authserver.revocation_feed.events", "{event}", "SETs received, by result (applied, ignored, rejected).");
        meter.CreateObservableGauge("authserver.revocation_feed.staleness", () => Staleness.TotalSeconds, "s", "Seconds since the last successful poll (since start before the first).");
        meter.CreateObservableGauge("authserver.revocation_feed.entries", () => list.Count, "{entry}", "Revoked sessions and users remembered.");
        if (_settings is { Enabled: true, FailClosed: true })
        {
            list.RefuseAllWhen(() => IsStale);
        }
    }

    public bool Enabled => _settings.Enabled;

    /// <summary>Time since the last successful poll, or since start before the first.</summary>
    public TimeSpan Staleness => TimeSpan.FromTicks(_clock.GetUtcNow().UtcTicks - (Interlocked.Read(ref _lastSuccessTicks) is > 0 and var last ? last : Interlocked.Read(ref _startedTicks)));

    /// <summary>No successful poll within <see cref="RevocationFeedSettings.StaleAfter"/>, or none yet.</summary>
    public bool IsStale => Interlocked.Read(ref _lastSuccessTicks) == 0 || Staleness > _settings.StaleAfter;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Enabled)
        {
            return;
        }

        Interlocked.Exchange(ref _startedTicks, _clock.GetUtcNow().UtcTicks);
        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            try
            {
                more = await PollOnceAsync(stoppingToken);
                _polls.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
                Interlocked.Exchange(ref _lastSuccessTicks, _clock.GetUtcNow().UtcTicks);
                if (_failing)
                {
                    _failing = false;
                    LogRecovered(_logger);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                _polls.Add(1, new KeyValuePair<string, object?>("outcome", "error"));
                if (!_failing)
                {
                    // Once per outage: at one poll a second, a line per failure would drown the log.
                    _failing = true;
                    LogUnreachable(_logger, Describe(ex), _settings.FailClosed ? "refusing every token once stale" : "accepting tokens unchecked meanwhile");
                }
            }

            if (!more)
            {
                try
                {
                    await Task.Delay(_settings.PollInterval, _clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // SSF 1.0 §8.1.1.5: a stopping instance drops its stream; if this fails the server prunes it once idle.
        if (_streamId is not null && _configurationEndpoint is not null && _accessToken is not null)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                using var request = Authorized(HttpMethod.Delete, new Uri($"{_configurationEndpoint}?stream_id={Uri.EscapeDataString(_streamId)}"));
                using var response = await Client().SendAsync(request, timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Best effort only.
            }
        }
    }

    /// <summary>One poll: acknowledgements of the last, then new SETs. True when the server has more waiting.</summary>
    private async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        var configuration = await MetadataAsync(cancellationToken);
        await EnsureTokenAsync(configuration, cancellationToken);
        await EnsureStreamAsync(cancellationToken);

        var body = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["maxEvents"] = _settings.MaxEventsPerPoll,
            ["returnImmediately"] = true,
        };
        if (_acks.Count > 0)
        {
            body["ack"] = _acks.ToArray();
        }

        if (_errors.Count > 0)
        {
            body["setErrs"] = _errors.ToDictionary(e => e.Key, e => new Dictionary<string, string> { ["err"] = e.Value, ["description"] = "Refused by the receiver." }, StringComparer.Ordinal);
        }

        using var request = Authorized(HttpMethod.Post, _pollEndpoint!);
        request.Content = JsonContent.Create(body);
        using var response = await Client().SendAsync(request, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized:
                // Once, it is expected: the key that signed our token was revoked (or the token expired early). Poll again
                // at once with a new one; twice in a row is a failure (a wrong secret, a client removed).
                _accessToken = null;
                if (!_tokenRefused)
                {
                    _tokenRefused = true;
                    return true;
                }

                throw new HttpRequestException("The feed refused the access token.", null, response.StatusCode);
            case HttpStatusCode.NotFound:
                // The stream was pruned or dropped for a newer one: a new stream is served every live event again.
                _streamId = null;
                return true;
        }

        response.EnsureSuccessStatusCode();
        _tokenRefused = false;
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        _acks.Clear();
        _errors.Clear();
        var received = 0;
        _refreshedThisPoll = false;
        if (answer.RootElement.TryGetProperty("sets", out var sets) && sets.ValueKind == JsonValueKind.Object)
        {
            foreach (var set in sets.EnumerateObject().Where(set => set.Value.ValueKind == JsonValueKind.String))
            {
                received++;
                await ReceiveAsync(set.Name, set.Value.GetString()!, cancellationToken);
            }
        }

        PruneNowAndThen();

        // Anything received is acknowledged by an immediate poll, which also fetches what else is waiting.
        return received > 0 || (answer.RootElement.TryGetProperty("moreAvailable", out var more) && more.ValueKind == JsonValueKind.True);
    }

    private async Task ReceiveAsync(string jti, string set, CancellationToken cancellationToken)
    {
        var (result, configuration) = await VerifyAsync(set, cancellationToken);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && !_refreshedThisPoll)
        {
            // Signed by a key published since our last fetch (a rotation, or the replacement of a revoked key): fetch, verify again.
            _refreshedThisPoll = true;
            await _keys.RefreshNowAsync(cancellationToken);
            (result, configuration) = await VerifyAsync(set, cancellationToken);
        }

        if (!result.IsValid)
        {
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException && Attempt(jti) < UnknownKeyPolls)
            {
                // Still unknown (the instance that answered may not publish it yet): not acknowledged, so the server sends it again.
                return;
            }

            _errors[jti] = result.Exception switch
            {
                SecurityTokenInvalidIssuerException => "invalid_issuer",
                SecurityTokenInvalidAudienceException => "invalid_audience",
                SecurityTokenSignatureKeyNotFoundException => "invalid_key",
                _ => "authentication_failed",
            };
            _events.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
            LogRejected(_logger, jti, _errors[jti], result.Exception?.GetType().Name ?? "unknown");
            return;
        }

        _unknownKeyAttempts.Remove(jti);
        var jwt = (JsonWebToken)result.SecurityToken;
        if (!string.Equals(jwt.Id, jti, StringComparison.Ordinal))
        {
            _errors[jti] = "invalid_request";
            _events.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
            LogRejected(_logger, jti, "invalid_request", "jti mismatch");
            return;
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        var applied = ApplyKeyChange(payload.RootElement) ?? Apply(payload.RootElement, configuration.Issuer);
        _events.Add(1, new KeyValuePair<string, object?>("result", applied ? "applied" : "ignored"));
        _acks.Add(jti);
    }

    private async Task<(TokenValidationResult Result, OpenIdConnectConfiguration Configuration)> VerifyAsync(string set, CancellationToken cancellationToken)
    {
        var configuration = await _keys.GetConfigurationAsync(cancellationToken);
        var result = await s_handler.ValidateTokenAsync(set, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = _settings.ClientId,
            ValidTypes = [SetType],
            ValidAlgorithms = [.. _options.ValidAlgorithms],
            IssuerSigningKeys = configuration.SigningKeys,
            RequireSignedTokens = true,

            // SSF 1.0 §4.1.6: a SET has no exp; its relevance is in the event.
            ValidateLifetime = false,
            RequireExpirationTime = false,
        });
        return (result, configuration);
    }

    /// <summary>
    /// The key-change event (null when the SET is another event): a revoked key is dropped from the keys at once; an
    /// announced or activated one is fetched in the background until published, so no poll waits on it.
    /// </summary>
    private bool? ApplyKeyChange(JsonElement claims)
    {
        if (!claims.TryGetProperty("events", out var events) || !events.TryGetProperty(EventTypes.KeyChange, out var change))
        {
            return null;
        }

        if (change.ValueKind != JsonValueKind.Object || Text(change, KeyChangeMembers.Kid) is not { } kid)
        {
            return false;
        }

        switch (Text(change, KeyChangeMembers.Change))
        {
            case KeyChangeMembers.Revoked:
                _keys.Revoke(kid);
                return true;
            case KeyChangeMembers.Announced or KeyChangeMembers.Activated:
                _keys.Expect(kid);
                return true;
            default:
                return false;
        }
    }

    /// <summary>CAEP session-revoked: a session (complex subject with `session`), every session of a user (`iss_sub`) or of a client (`application`).</summary>
    private bool Apply(JsonElement claims, string issuer)
    {
        if (!claims.TryGetProperty("events", out var events) || !events.TryGetProperty(EventTypes.SessionRevoked, out var revoked) || revoked.ValueKind != JsonValueKind.Object
            || !claims.TryGetProperty("sub_id", out var subject) || subject.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var at = Seconds(revoked, "event_timestamp") ?? _clock.GetUtcNow().ToUnixTimeSeconds();
        var retainUntil = Seconds(revoked, SessionRevokedMembers.RetainUntil) ?? at + (long)s_defaultRetention.TotalSeconds;
        var format = Text(subject, "format");
        if (format == "complex" && !subject.TryGetProperty("user", out _) && subject.TryGetProperty("application", out var application)
            && Text(application, "id") is { } clientId)
        {
            _list.RevokeClient(clientId, at, retainUntil, _settings.MaxEntries);
            return true;
        }

        var user = format == "complex" && subject.TryGetProperty("user", out var member) ? member : subject;
        if (Text(user, "format") != "iss_sub" || Text(user, "iss") != issuer || Text(user, "sub") is not { } sub)
        {
            return false;
        }

        if (format == "complex" && subject.TryGetProperty("session", out var session) && Text(session, "id") is { } sessionId)
        {
            _list.RevokeSession(sessionId, retainUntil, _settings.MaxEntries);
        }
        else if (format is "iss_sub" or "complex")
        {
            List<string>? listed = revoked.TryGetProperty(SessionRevokedMembers.SessionIds, out var ids) && ids.ValueKind == JsonValueKind.Array
                ? [.. ids.EnumerateArray().Where(id => id.ValueKind == JsonValueKind.String).Select(id => id.GetString()!)]
                : null;
            _list.RevokeUser(sub, at, listed, retainUntil, _settings.MaxEntries);
        }
        else
        {
            return false;
        }

        if (_list.TakeOverflow())
        {
            LogOverflow(_logger, _settings.MaxEntries);
        }

        return true;
    }

    private async Task<OpenIdConnectConfiguration> MetadataAsync(CancellationToken cancellationToken)
    {
        var configuration = await _keys.GetConfigurationAsync(cancellationToken);
        if (_configurationEndpoint is null)
        {
            // SSF 1.0 §7.2: the transmitter's metadata sits beside the issuer; its issuer must be the one we trust.
            var authority = _options.Authority!.AbsoluteUri.TrimEnd('/');
            var ssf = await Client().GetFromJsonAsync<JsonElement>(new Uri(authority + "/.well-known/ssf-configuration"), cancellationToken);
            if (Text(ssf, "issuer") != configuration.Issuer || Text(ssf, "configuration_endpoint") is not { } endpoint)
            {
                throw new InvalidOperationException("The SSF configuration names another issuer or no configuration endpoint.");
            }

            _configurationEndpoint = new Uri(endpoint);
        }

        return configuration;
    }

    private async Task EnsureTokenAsync(OpenIdConnectConfiguration configuration, CancellationToken cancellationToken)
    {
        if (_accessToken is not null && _clock.GetUtcNow() < _accessTokenExpires)
        {
            return;
        }

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = _settings.ClientId!,
            ["client_secret"] = _settings.ClientSecret!,
            ["scope"] = _settings.Scope,
        });
        using var response = await Client().PostAsync(new Uri(configuration.TokenEndpoint), form, cancellationToken);
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        _accessToken = Text(token, "access_token") ?? throw new InvalidOperationException("The token response has no access token.");

        // Renewed a minute early (or at half its life if shorter), so a poll never carries a token about to expire.
        var lifetime = TimeSpan.FromSeconds(token.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt32(out var seconds) ? seconds : 300);
        _accessTokenExpires = _clock.GetUtcNow() + (lifetime > TimeSpan.FromMinutes(2) ? lifetime - TimeSpan.FromMinutes(1) : lifetime / 2);
    }

    private async Task EnsureStreamAsync(CancellationToken cancellationToken)
    {
        if (_streamId is not null)
        {
            return;
        }

        using var request = Authorized(HttpMethod.Post, _configurationEndpoint!);
        request.Content = JsonContent.Create(new Dictionary<string, object>
        {
            ["delivery"] = new Dictionary<string, string> { ["method"] = DeliveryMethods.Poll },
            ["events_requested"] = new[] { EventTypes.SessionRevoked, EventTypes.KeyChange },
            ["description"] = $"{_options.Audience} on {Environment.MachineName} ({Environment.ProcessId})",
        });
        using var response = await Client().SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            _accessToken = null;
        }

        response.EnsureSuccessStatusCode();
        var stream = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var endpoint = stream.TryGetProperty("delivery", out var delivery) ? Text(delivery, "endpoint_url") : null;
        _pollEndpoint = endpoint is null ? throw new InvalidOperationException("The new stream has no poll endpoint.") : new Uri(endpoint);
        _streamId = Text(stream, "stream_id");
        _acks.Clear();
        _errors.Clear();
    }

    private HttpRequestMessage Authorized(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
        return request;
    }

    private HttpClient Client()
    {
        var client = _http.CreateClient(HttpClientName);
        client.Timeout = _settings.RequestTimeout;
        return client;
    }

    private int Attempt(string jti) => _unknownKeyAttempts[jti] = _unknownKeyAttempts.GetValueOrDefault(jti) + 1;

    private void PruneNowAndThen()
    {
        var now = _clock.GetUtcNow();
        if (now - _lastPrune >= s_pruneInterval)
        {
            _lastPrune = now;
            _list.Prune();
            _unknownKeyAttempts.Clear();
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) ? (long)Math.Floor(seconds) : null;

    private static string Describe(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: { } status } => $"HTTP {(int)status}",
        HttpRequestException http => http.HttpRequestError.ToString(),
        OperationCanceledException => "Timeout",
        _ => ex.GetType().Name,
    };

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Revocation feed unreachable ({Reason}); {Consequence}")]
    private static partial void LogUnreachable(ILogger logger, string reason, string consequence);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Information, Message = "Revocation feed reachable again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Warning, Message = "Revocation feed SET {Jti} rejected ({Error}: {Reason}); reported to the server and ignored")]
    private static partial void LogRejected(ILogger logger, string jti, string error, string reason);

    [LoggerMessage(EventId = 2027, Level = LogLevel.Warning, Message = "Revocation list full ({MaxEntries} entries): the entries closest to expiry were dropped")]
    private static partial void LogOverflow(ILogger logger, int maxEntries);
}
