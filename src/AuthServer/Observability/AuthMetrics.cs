using System.Diagnostics.Metrics;

namespace AuthServer.Observability;

/// <summary>
/// Counters for what operators alert on (also kept per minute for the console's charts, <see cref="RecentActivity"/>): tokens issued by grant, sign-ins and failed ones by method, throttled requests, refresh replays, revocations by
/// source, key lifecycle transitions, and the token-table size (measured after each prune, so at most one pruning interval old).
/// </summary>
public sealed class AuthMetrics
{
    public const string MeterName = "AuthServer";

    private readonly Counter<long> _issued;
    private readonly Counter<long> _signIns;
    private readonly Counter<long> _failedSignIns;
    private readonly Counter<long> _replays;
    private readonly Counter<long> _revoked;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _keyTransitions;
    private readonly RecentActivity _recent;
    private long _tokenRows = -1;

    public AuthMetrics(IMeterFactory meters, RecentActivity recent)
    {
        _recent = recent;
        var meter = meters.Create(MeterName);
        _issued = meter.CreateCounter<long>("authserver.tokens.issued", "{response}", "Token responses issued, by grant type.");
        _signIns = meter.CreateCounter<long>("authserver.signins", "{sign-in}", "Sign-ins that succeeded (grant and login form), by method (password, passkey).");
        _failedSignIns = meter.CreateCounter<long>("authserver.signin.failures", "{attempt}", "Sign-ins refused (grant and login form), throttling aside, by method (password, passkey).");
        _replays = meter.CreateCounter<long>("authserver.refresh.replays", "{replay}", "Redeemed refresh tokens presented after the leeway (chain revoked).");
        _revoked = meter.CreateCounter<long>("authserver.tokens.revoked", "{token}", "Token rows revoked, by source.");
        _throttled = meter.CreateCounter<long>("authserver.throttled", "{request}", "Requests refused as too many, by reason (source, account-and-source, hashing-busy, client).");
        _keyTransitions = meter.CreateCounter<long>("authserver.keys.transitions", "{transition}",
            "Managed key transitions seen by this instance, by use (access, identity, encryption) and to (created, active, retired, removed, revoked, rotated).");
        meter.CreateObservableGauge("authserver.tokens.rows", () => Interlocked.Read(ref _tokenRows) is var rows and >= 0
            ? [new Measurement<long>(rows)]
            : Array.Empty<Measurement<long>>(), "{row}", "Rows in the token table after the last prune.");
        meter.CreateObservableCounter("authserver.log.dropped", () => BufferedConsoleSink.Dropped, "{event}",
            "Log events the console could not keep up with, dropped instead of queued without bound (BufferedConsoleSink).");
    }

    public void TokenIssued(string? grantType)
    {
        _issued.Add(1, new KeyValuePair<string, object?>("grant_type", grantType ?? "unknown"));
        if (grantType == "refresh_token")
        {
            _recent.Add(RecentActivity.Series.Refreshes);
        }
    }

    public void SignedIn(string method)
    {
        _signIns.Add(1, new KeyValuePair<string, object?>("method", method));
        _recent.Add(RecentActivity.Series.SignIns);
    }

    public void SignInFailed(string method)
    {
        _failedSignIns.Add(1, new KeyValuePair<string, object?>("method", method));
        _recent.Add(RecentActivity.Series.Failures);
    }

    public void SignInThrottled(string reason) => _throttled.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ReplayDetected() => _replays.Add(1);

    /// <summary>Source: client (RFC 7009), admin, or security-event.</summary>
    public void Revoked(string source, int tokens)
    {
        _revoked.Add(tokens, new KeyValuePair<string, object?>("source", source));
        _recent.Add(RecentActivity.Series.Revocations);
    }

    public void KeyTransition(string use, string to) =>
        _keyTransitions.Add(1, new KeyValuePair<string, object?>("use", use), new KeyValuePair<string, object?>("to", to));

    public void TokenRows(long rows) => Interlocked.Exchange(ref _tokenRows, rows);
}
