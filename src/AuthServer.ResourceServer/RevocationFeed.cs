using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
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
/// The shell: <see cref="FeedEvent"/>, <see cref="PollBookkeeping"/> and <see cref="FeedHealth"/> decide, this acts.
/// </summary>
public sealed partial class RevocationFeed : BackgroundService
{
    public const string HttpClientName = "AuthServer.RevocationFeed";
    public const string MeterName = "AuthServer.ResourceServer";

    private readonly RevocationList _list;
    private readonly IssuerKeys _keys;
    private readonly TimeProvider _clock;
    private readonly RevocationFeedSettings _settings;
    private readonly ILogger<RevocationFeed> _logger;
    private readonly Counter<long> _polls;
    private readonly Counter<long> _events;
    private readonly FeedConnection _connection;
    private readonly SetVerifier _verifier;
    private readonly PollBookkeeping _book = new();
    private readonly FeedHealth _health;

    public RevocationFeed(IHttpClientFactory http, RevocationList list, IssuerKeys keys, TimeProvider clock, IOptions<AuthServerJwtOptions> options, IMeterFactory meters, ILogger<RevocationFeed> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _list = list;
        _keys = keys;
        _clock = clock;
        _settings = options.Value.RevocationFeed;
        _logger = logger;
        _connection = new FeedConnection(http, keys, clock, options.Value);
        _verifier = new SetVerifier(keys, options.Value);
        _health = new FeedHealth(clock.GetUtcNow());

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
    public TimeSpan Staleness => _health.Staleness(_clock.GetUtcNow());

    /// <summary>No successful poll within <see cref="RevocationFeedSettings.StaleAfter"/>, or none yet.</summary>
    public bool IsStale => _health.IsStale(_clock.GetUtcNow(), _settings.StaleAfter);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Enabled)
        {
            return;
        }

        _health.Started(_clock.GetUtcNow());
        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            try
            {
                more = await PollOnceAsync(stoppingToken);
                _polls.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
                if (_health.Succeeded(_clock.GetUtcNow()))
                {
                    LogRecovered(_logger);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                _polls.Add(1, new KeyValuePair<string, object?>("outcome", "error"));
                if (_health.Failed())
                {
                    // Once per outage: at one poll a second, a line per failure would drown the log.
                    LogUnreachable(_logger, FeedHealth.Describe(ex), _settings.FailClosed ? "refusing every token once stale" : "accepting tokens unchecked meanwhile");
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
        await _connection.DeleteStreamAsync(cancellationToken);
    }

    /// <summary>One poll: acknowledgements of the last, then new SETs. True when the server has more waiting.</summary>
    private async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        if (await _connection.ConnectAsync(cancellationToken))
        {
            _book.StreamReplaced();
        }

        using var response = await _connection.PollAsync(_book.RequestBody(_settings.MaxEventsPerPoll), cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized:
                _connection.ForgetToken();
                return _book.RetryAfterRefusedToken() ? true : throw new HttpRequestException("The feed refused the access token.", null, response.StatusCode);
            case HttpStatusCode.NotFound:
                // Pruned or dropped for a newer one: a new stream is served every live event again.
                _connection.ForgetStream();
                return true;
        }

        response.EnsureSuccessStatusCode();
        _book.TokenAccepted();
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        _book.AnswerReceived();
        var received = 0;
        if (answer.RootElement.TryGetProperty("sets", out var sets) && sets.ValueKind == JsonValueKind.Object)
        {
            foreach (var set in sets.EnumerateObject().Where(set => set.Value.ValueKind == JsonValueKind.String))
            {
                received++;
                await ReceiveAsync(set.Name, set.Value.GetString()!, cancellationToken);
            }
        }

        if (_book.PruneDue(_clock.GetUtcNow()))
        {
            _list.Prune();
        }

        // Anything received is acknowledged by an immediate poll, which also fetches what else is waiting.
        return received > 0 || (answer.RootElement.TryGetProperty("moreAvailable", out var more) && more.ValueKind == JsonValueKind.True);
    }

    private async Task ReceiveAsync(string jti, string set, CancellationToken cancellationToken)
    {
        var (result, configuration) = await _verifier.VerifyAsync(set, cancellationToken);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && _book.TryRefreshKeys())
        {
            // Signed by a key published since our last fetch (a rotation, or the replacement of a revoked key): fetch, verify again.
            await _keys.RefreshNowAsync(cancellationToken);
            (result, configuration) = await _verifier.VerifyAsync(set, cancellationToken);
        }

        if (!result.IsValid)
        {
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException && _book.KeepWaitingForKey(jti))
            {
                // Still unknown (the instance that answered may not publish it yet): not acknowledged, so the server sends it again.
                return;
            }

            Reject(jti, PollBookkeeping.ErrorFor(result.Exception), result.Exception?.GetType().Name ?? "unknown");
            return;
        }

        _book.Verified(jti);
        var jwt = (JsonWebToken)result.SecurityToken;
        if (!string.Equals(jwt.Id, jti, StringComparison.Ordinal))
        {
            Reject(jti, "invalid_request", "jti mismatch");
            return;
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        var applied = Apply(FeedEvent.Read(payload.RootElement, configuration.Issuer, _clock.GetUtcNow()));
        _events.Add(1, new KeyValuePair<string, object?>("result", applied ? "applied" : "ignored"));
        _book.Acknowledge(jti);
    }

    private void Reject(string jti, string error, string reason)
    {
        _book.Reject(jti, error);
        _events.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
        LogRejected(_logger, jti, error, reason);
    }

    /// <summary>True when the event changed something. A key announced or activated is fetched in the background, so no poll waits on it.</summary>
    private bool Apply(FeedEvent feedEvent)
    {
        switch (feedEvent)
        {
            case FeedEvent.KeyRevoked revoked:
                _keys.Revoke(revoked.Kid);
                return true;
            case FeedEvent.KeyExpected expected:
                _keys.Expect(expected.Kid);
                return true;
            case FeedEvent.ClientRevoked client:
                _list.RevokeClient(client.ClientId, client.At, client.RetainUntil, _settings.MaxEntries);
                return true;
            case FeedEvent.SessionRevoked session:
                _list.RevokeSession(session.SessionId, session.RetainUntil, _settings.MaxEntries);
                break;
            case FeedEvent.UserRevoked user:
                _list.RevokeUser(user.Subject, user.At, user.SessionIds, user.RetainUntil, _settings.MaxEntries);
                break;
            default:
                return false;
        }

        if (_list.TakeOverflow())
        {
            LogOverflow(_logger, _settings.MaxEntries);
        }

        return true;
    }

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Revocation feed unreachable ({Reason}); {Consequence}")]
    private static partial void LogUnreachable(ILogger logger, string reason, string consequence);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Information, Message = "Revocation feed reachable again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Warning, Message = "Revocation feed SET {Jti} rejected ({Error}: {Reason}); reported to the server and ignored")]
    private static partial void LogRejected(ILogger logger, string jti, string error, string reason);

    [LoggerMessage(EventId = 2027, Level = LogLevel.Warning, Message = "Revocation list full ({MaxEntries} entries): the entries closest to expiry were dropped")]
    private static partial void LogOverflow(ILogger logger, int maxEntries);
}
