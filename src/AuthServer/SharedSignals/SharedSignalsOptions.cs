using System.ComponentModel.DataAnnotations;
using AuthServer.Tokens;
using Microsoft.Extensions.Options;

namespace AuthServer.SharedSignals;

/// <summary>The revocation feed: an OpenID SSF 1.0 transmitter with poll delivery (RFC 8936).</summary>
public sealed class SharedSignalsOptions
{
    public const string Section = "SharedSignals";

    /// <summary>Writes events and serves the feed. Off: revocations stay as they were, resource APIs learn nothing before token expiry.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The scope a receiver's client-credentials token must carry to create, read and poll its stream.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Scope { get; set; } = "ssf";

    /// <summary>The `aud` that token must carry (the resource the scope maps to in the catalog).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Audience { get; set; } = "authserver-ssf";

    /// <summary>
    /// Added to the access-token lifetime to give an event's life: a receiver's clock may trail by its skew (at most 30 s)
    /// and a token's `iat` is rounded down to the second, so the event must outlive every token it refuses by that much.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:31", "01:00:00")]
    public TimeSpan EventLifetimeMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most SETs one poll returns, whatever `maxEvents` asks (RFC 8936 §2.4 lets the transmitter return fewer).</summary>
    [Range(1, 1_000)]
    public int MaxEventsPerPoll { get; set; } = 100;

    /// <summary>How long a poll with `returnImmediately: false` may be held open waiting for an event (RFC 8936 §2.4); 0 answers at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan LongPollWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a held poll looks for new events.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:10")]
    public TimeSpan LongPollCheckInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Polls of one client held open at once on one instance (each holds a connection and queries every check interval);
    /// beyond it a poll is answered at once with what is due, as with `returnImmediately` (RFC 8936 §2.4 allows it).
    /// </summary>
    [Range(1, 1_000)]
    public int MaxLongPollsPerClient { get; set; } = 10;

    /// <summary>
    /// Streams one client may hold; creating one more drops its least recently polled stream if that one is idle (not
    /// polled within <see cref="LiveStreamWindow"/>: most likely an API instance that is gone), and is refused (409) if
    /// every stream is live, so a runaway receiver cannot push a working API instance off the feed.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxStreamsPerClient { get; set; } = 100;

    /// <summary>A stream polled within this window is live and never dropped for a new one (a poll is recorded at most once a minute).</summary>
    [Range(typeof(TimeSpan), "00:02:00", "1.00:00:00")]
    public TimeSpan LiveStreamWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>SSF 1.0 §8.1.1 inactivity_timeout: a stream nobody polled for this long is pruned.</summary>
    [Range(typeof(TimeSpan), "00:30:00", "30.00:00:00")]
    public TimeSpan StreamInactivityTimeout { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// An event about every session of a user lists the sessions it revoked, so receivers keep accepting tokens of sessions
    /// begun after it; past this many, the list is left out and receivers refuse by issue time alone.
    /// </summary>
    [Range(0, 1_000)]
    public int MaxSessionsPerEvent { get; set; } = 100;
}

/// <summary>An idle stream may be pruned only once no event could still be waiting for it.</summary>
public sealed class SharedSignalsOptionsValidator(IOptionsMonitor<TokenServerOptions> tokens) : IValidateOptions<SharedSignalsOptions>
{
    public ValidateOptionsResult Validate(string? name, SharedSignalsOptions options)
    {
        List<string> failures = [];
        var eventLifetime = tokens.CurrentValue.AccessTokenLifetime + options.EventLifetimeMargin;
        if (options.StreamInactivityTimeout <= eventLifetime)
        {
            failures.Add("SharedSignals:StreamInactivityTimeout must be longer than Tokens:AccessTokenLifetime plus SharedSignals:EventLifetimeMargin.");
        }

        if (options.LiveStreamWindow >= options.StreamInactivityTimeout)
        {
            failures.Add("SharedSignals:LiveStreamWindow must be shorter than SharedSignals:StreamInactivityTimeout.");
        }

        if (options.LongPollCheckInterval > options.LongPollWait && options.LongPollWait > TimeSpan.Zero)
        {
            failures.Add("SharedSignals:LongPollCheckInterval must not be longer than SharedSignals:LongPollWait.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
