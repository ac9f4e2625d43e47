using System.Linq.Expressions;
using AuthServer.Contracts.Admin;
using AuthServer.Observability;
using AuthServer.Persistence;
using AuthServer.SharedSignals;
using AuthServer.Throttling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Revocation;

/// <summary>
/// Keeps each token entry only while it matters (docs/decisions/013): a redeemed one until it expires, since replay
/// detection (RFC 9700 §4.14.2) needs it until then and a later replay fails on the token's own lifetime; any other one
/// until it has been expired for the retention (the audit trail). Authorizations left without tokens go once older
/// than the retention. Each batch is one short DELETE of idempotent criteria along the ExpirationDate index, so several
/// instances may prune at once and no statement holds the table for long.
/// </summary>
public sealed class TokenPruner(
    AuthDbContext db, SignInThrottle throttle, TimeProvider clock, IOptions<PruningOptions> options, IOptions<SharedSignalsOptions> signals, AuthMetrics metrics, PruningStatus status, ILogger<TokenPruner> logger)
{
    public async Task<PruneCounts> PruneAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var threshold = now - options.Value.Retention;
        var (nowUtc, before) = (now.UtcDateTime, threshold.UtcDateTime);
        var tokens = db.Set<OpenIddictEntityFrameworkCoreToken>();
        var authorizations = db.Set<OpenIddictEntityFrameworkCoreAuthorization>();

        var deletedTokens = await DeleteTokensAsync(t => t.Status == Statuses.Redeemed && t.ExpirationDate < nowUtc, cancellationToken)
            + await DeleteTokensAsync(t => t.ExpirationDate < before, cancellationToken)
            + await DeleteTokensAsync(t => t.ExpirationDate == null && t.CreationDate < before
                && ((t.Status != Statuses.Valid && t.Status != Statuses.Inactive) || (t.Authorization != null && t.Authorization.Status != Statuses.Valid)), cancellationToken);

        long deletedAuthorizations = 0;
        int deleted;
        do
        {
            // Only authorizations without tokens: a live token keeps its chain's row, whatever the chain's age.
            var orphaned = authorizations
                .Where(a => a.CreationDate < before && !a.Tokens.Any())
                .Where(a => a.Status != Statuses.Valid || a.Type == AuthorizationTypes.AdHoc)
                .OrderBy(a => a.CreationDate).Take(options.Value.BatchSize).Select(a => a.Id);
            deleted = await authorizations.Where(a => orphaned.Contains(a.Id)).ExecuteDeleteAsync(cancellationToken);
            deletedAuthorizations += deleted;
        }
        while (deleted == options.Value.BatchSize);

        // Browser sessions over before the threshold (their links to authorizations go with them).
        await db.BrowserSessions.Where(s => s.ExpiresAt < before || s.EndedAt < before).ExecuteDeleteAsync(cancellationToken);

        // Back-channel logout notices once delivered or abandoned before the threshold; pending ones stay whatever their age.
        await db.BackchannelLogoutNotices.Where(n => n.DeliveredAt < before || n.AbandonedAt < before).ExecuteDeleteAsync(cancellationToken);

        // Revocation feed events once every token they refuse has expired (their acknowledgements go with them), and
        // streams nobody polled within the inactivity timeout: both on their own clock, not the retention's.
        await db.SecurityEvents.Where(e => e.ExpiresAt < nowUtc).ExecuteDeleteAsync(cancellationToken);
        var idleSince = nowUtc - signals.Value.StreamInactivityTimeout;
        await db.SecurityEventStreams.Where(s => s.LastPolledAt < idleSince).ExecuteDeleteAsync(cancellationToken);

        // Account history on its own, longer clock (Account/).
        var forgetBefore = nowUtc - options.Value.AccountEventRetention;
        await db.AccountEvents.Where(e => e.OccurredAt < forgetBefore).ExecuteDeleteAsync(cancellationToken);

        // DPoP proofs and passkey challenges seen, once they could no longer pass their freshness check (Dpop/, Passkeys/).
        await db.OneTimeUses.Where(p => p.ExpiresAt < nowUtc).ExecuteDeleteAsync(cancellationToken);

        // Sign-in counters on their own, shorter clock (Throttling/).
        await throttle.PruneAsync(cancellationToken);

        Audit.Pruned(logger, deletedTokens, deletedAuthorizations, threshold);
        metrics.TokenRows(await tokens.LongCountAsync(cancellationToken));
        var counts = new PruneCounts(deletedTokens, deletedAuthorizations, threshold);
        status.Record(now, counts);
        return counts;
    }

    private async Task<long> DeleteTokensAsync(Expression<Func<OpenIddictEntityFrameworkCoreToken, bool>> prunable, CancellationToken cancellationToken)
    {
        var tokens = db.Set<OpenIddictEntityFrameworkCoreToken>();
        var batch = options.Value.BatchSize;
        long total = 0;
        int deleted;
        do
        {
            var ids = tokens.Where(prunable).OrderBy(t => t.ExpirationDate).Take(batch).Select(t => t.Id);
            deleted = await tokens.Where(t => ids.Contains(t.Id)).ExecuteDeleteAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == batch);

        return total;
    }
}
