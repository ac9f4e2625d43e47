using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AuthServer.Throttling;

/// <summary>
/// How hard a stranger may guess. Failed passwords slow down the (account, source) pair that made them, then the
/// account across all sources, but never lock it and never touch the sessions it already has.
/// </summary>
public sealed class ThrottlingOptions
{
    public const string Section = "Throttling";

    /// <summary>Password attempts (grant and login form) per source address per minute, on each instance.</summary>
    [Range(1, 100_000)]
    public int SignInsPerSourcePerMinute { get; set; } = 30;

    /// <summary>Failed client authentications per client id and source per minute, on each instance (secret guessing).</summary>
    [Range(1, 100_000)]
    public int FailedClientAuthenticationsPerMinute { get; set; } = 10;

    /// <summary>Failures for one account (or name, when no account has it) from one source; the last of them starts that pair's back-off.</summary>
    [Range(1, 1000)]
    public int FreeFailuresPerSource { get; set; } = 5;

    /// <summary>
    /// Failures for one account from all unknown sources and browsers together that start one account back-off (distributed
    /// guessing); each further as many start the next. Failures refused during a back-off are not counted.
    /// </summary>
    [Range(1, 10_000)]
    public int FreeFailuresPerAccount { get; set; } = 20;

    /// <summary>A pair's first back-off; each further failure doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest back-off of one (account, source) pair.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxSourceBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long one account back-off lasts. It slows a distributed attack and must not become a lock: it is earned by
    /// FreeFailuresPerAccount failures, never renewed by one, so holding an account shut costs that many real guesses each time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxAccountBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A failure count is forgotten after this long without a failure.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ForgetFailuresAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A source, or a browser (known-device cookie), the account signed in from within this time skips the account's
    /// back-off (not the pair's, nor the per-source limit); 0 turns both off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan KnownSourceLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Password hashes computed at once; 0 means half the processors (at least one), so refreshes keep a core.</summary>
    [Range(0, 1024)]
    public int ConcurrentPasswordHashes { get; set; }

    /// <summary>Sign-ins waiting for a hashing slot; beyond it the server answers 429 at once.</summary>
    [Range(0, 100_000)]
    public int QueuedPasswordHashes { get; set; } = 32;

    public int EffectiveConcurrentPasswordHashes => ConcurrentPasswordHashes > 0 ? ConcurrentPasswordHashes : Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// More hashes at once, taken only while every request in flight is a sign-in (so they never delay a refresh);
    /// unset means the processors the reserved slots leave, 0 turns them off.
    /// </summary>
    [Range(0, 1024)]
    public int? IdlePasswordHashes { get; set; }

    public int EffectiveIdlePasswordHashes => IdlePasswordHashes ?? Math.Max(0, Environment.ProcessorCount - EffectiveConcurrentPasswordHashes);
}

public sealed class ThrottlingOptionsValidator : IValidateOptions<ThrottlingOptions>
{
    public ValidateOptionsResult Validate(string? name, ThrottlingOptions options) => options.BackoffBase > options.MaxAccountBackoff
        ? ValidateOptionsResult.Fail("Throttling:BackoffBase must not exceed Throttling:MaxAccountBackoff.")
        : ValidateOptionsResult.Success;
}
