using System.ComponentModel.DataAnnotations;

namespace AuthServer.Revocation;

public sealed class PruningOptions
{
    public const string Section = "Pruning";

    /// <summary>Runs the background pruning; the on-demand prune (admin API, CLI) works either way.</summary>
    public bool Enabled { get; set; } = true;

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The audit retention: how long a token entry stays once expired (or revoked and expired), and an ended
    /// authorization, browser session or delivered notice once over. Redeemed refresh tokens are not held by it: they
    /// go when they expire, the moment replay detection stops needing them (TokenPruner).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long what happened to an account (sign-ins, failures, passkey and password changes) stays on its account page.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan AccountEventRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Rows deleted per statement: short statements keep locks short on a busy table.</summary>
    [Range(10, 100_000)]
    public int BatchSize { get; set; } = 1_000;
}
