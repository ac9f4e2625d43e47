using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer;

/// <summary>
/// What the revocation feed owes the server from one poll to the next (RFC 8936 §2.4): the jtis to acknowledge, the
/// SETs to report as refused, and how many polls a SET signed by a key not yet known has been left unacknowledged.
/// No I/O and no clock: the caller passes the time. Used by the single poll loop only, so not thread-safe.
/// </summary>
internal sealed class PollBookkeeping(int unknownKeyPolls, TimeSpan pruneInterval)
{
    /// <summary>Polls a SET signed by a key not yet published everywhere is left for (unacknowledged) before it is rejected.</summary>
    public const int DefaultUnknownKeyPolls = 5;

    public static readonly TimeSpan DefaultPruneInterval = TimeSpan.FromSeconds(30);

    private readonly List<string> _acks = [];
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _unknownKeyAttempts = new(StringComparer.Ordinal);
    private DateTimeOffset _lastPrune;
    private bool _refreshedThisPoll;
    private bool _tokenRefused;

    public PollBookkeeping()
        : this(DefaultUnknownKeyPolls, DefaultPruneInterval)
    {
    }

    /// <summary>The poll's body: acknowledgements and errors of the last answer, then a request for new SETs.</summary>
    public Dictionary<string, object> RequestBody(int maxEvents)
    {
        var body = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["maxEvents"] = maxEvents,
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

        return body;
    }

    /// <summary>
    /// The access token was refused. True the first time (expected when the key that signed it was revoked: poll again
    /// at once with a new one); false when the last poll was refused too (a wrong secret, a client removed).
    /// </summary>
    public bool RetryAfterRefusedToken()
    {
        if (_tokenRefused)
        {
            return false;
        }

        _tokenRefused = true;
        return true;
    }

    /// <summary>The server accepted the token.</summary>
    public void TokenAccepted() => _tokenRefused = false;

    /// <summary>The server read the last acknowledgements and errors; the SETs of this answer come next.</summary>
    public void AnswerReceived()
    {
        _acks.Clear();
        _errors.Clear();
        _refreshedThisPoll = false;
    }

    /// <summary>A new stream: nothing owed to the old one means anything to it.</summary>
    public void StreamReplaced()
    {
        _acks.Clear();
        _errors.Clear();
    }

    /// <summary>True once per answer: the issuer's keys may be fetched again for a SET signed by an unknown key.</summary>
    public bool TryRefreshKeys()
    {
        if (_refreshedThisPoll)
        {
            return false;
        }

        _refreshedThisPoll = true;
        return true;
    }

    /// <summary>
    /// A SET whose key is still unknown: true to leave it unacknowledged (the server sends it again) for up to
    /// the configured number of polls in all, false when it is time to reject it.
    /// </summary>
    public bool KeepWaitingForKey(string jti) =>
        (_unknownKeyAttempts[jti] = _unknownKeyAttempts.GetValueOrDefault(jti) + 1) < unknownKeyPolls;

    /// <summary>The SET's signature checked out: its unknown-key count no longer matters.</summary>
    public void Verified(string jti) => _unknownKeyAttempts.Remove(jti);

    public void Acknowledge(string jti) => _acks.Add(jti);

    /// <summary>Reported in the next poll's `setErrs` (RFC 8935 §2.3 code) instead of acknowledged.</summary>
    public void Reject(string jti, string error) => _errors[jti] = error;

    /// <summary>True at most once per prune interval; unknown-key counts of SETs no longer sent are forgotten then.</summary>
    public bool PruneDue(DateTimeOffset now)
    {
        if (now - _lastPrune < pruneInterval)
        {
            return false;
        }

        _lastPrune = now;
        _unknownKeyAttempts.Clear();
        return true;
    }

    /// <summary>RFC 8935 §2.3 error code for a SET that failed verification.</summary>
    public static string ErrorFor(Exception? failure) => failure switch
    {
        SecurityTokenInvalidIssuerException => "invalid_issuer",
        SecurityTokenInvalidAudienceException => "invalid_audience",
        SecurityTokenSignatureKeyNotFoundException => "invalid_key",
        _ => "authentication_failed",
    };
}
