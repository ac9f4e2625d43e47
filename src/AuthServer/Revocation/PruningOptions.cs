using System.ComponentModel.DataAnnotations;
using AuthServer.Tokens;
using Microsoft.Extensions.Options;

namespace AuthServer.Revocation;

public sealed class PruningOptions
{
    public const string Section = "Pruning";

    /// <summary>Runs the background pruning; the on-demand prune (admin API, CLI) works either way.</summary>
    public bool Enabled { get; set; } = true;

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows younger than this stay, whatever their status: for forensics, and so replay detection sees every live chain.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Rows deleted per statement: short statements keep locks short on a busy table.</summary>
    [Range(10, 100_000)]
    public int BatchSize { get; set; } = 1_000;
}

/// <summary>
/// A redeemed refresh token must keep its row until it expires, or its replay could no longer be recognised
/// (RFC 9700 §4.14.2) and the chain would survive: so retention is never shorter than the refresh token lifetime.
/// </summary>
public sealed class PruningOptionsValidator(IOptionsMonitor<TokenOptions> tokens) : IValidateOptions<PruningOptions>
{
    public ValidateOptionsResult Validate(string? name, PruningOptions options) =>
        options.Retention < tokens.CurrentValue.RefreshTokenLifetime
            ? ValidateOptionsResult.Fail("Pruning:Retention must not be shorter than Tokens:RefreshTokenLifetime.")
            : ValidateOptionsResult.Success;
}
