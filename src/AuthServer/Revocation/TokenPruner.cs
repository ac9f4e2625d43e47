using AuthServer.Observability;
using AuthServer.Persistence;
using AuthServer.SharedSignals;
using AuthServer.Throttling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Revocation;

/// <summary>How many rows one prune deleted.</summary>
public sealed record PruneCounts(long Tokens, long Authorizations, DateTimeOffset Threshold);

/// <summary>
/// Deletes token rows that can no longer be used (expired, revoked, redeemed, or of a dead authorization) and
/// authorizations left without tokens, once older than the retention. Same rules as OpenIddict's PruneAsync, but
/// on the injected clock. Each batch is one DELETE of idempotent criteria, so several instances may prune at once.
/// </summary>
public sealed class TokenPruner(
    AuthDbContext db, SignInThrottle throttle, TimeProvider clock, IOptions<PruningOptions> options, IOptions<SharedSignalsOptions> signals, AuthMetrics metrics, ILogger<TokenPruner> logger)
{
    public async Task<PruneCounts> PruneAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var threshold = now - options.Value.Retention;
        var (nowUtc, before, batch) = (now.UtcDateTime, threshold.UtcDateTime, options.Value.BatchSize);
        var tokens = db.Set<OpenIddictEntityFrameworkCoreToken>();
        var authorizations = db.Set<OpenIddictEntityFrameworkCoreAuthorization>();

        long deletedTokens = 0, deletedAuthorizations = 0;
        int deleted;
        do
        {
            var expired = tokens
                .Where(t => t.CreationDate < before)
                .Where(t => (t.Status != Statuses.Valid && t.Status != Statuses.Inactive)
                    || (t.Authorization != null && t.Authorization.Status != Statuses.Valid)
                    || t.ExpirationDate < nowUtc)
                .OrderBy(t => t.Id).Take(batch).Select(t => t.Id);
            deleted = await tokens.Where(t => expired.Contains(t.Id)).ExecuteDeleteAsync(cancellationToken);
            deletedTokens += deleted;
        }
        while (deleted == batch);

        do
        {
            // Only authorizations without tokens: a live token keeps its chain's row, whatever the chain's age.
            var orphaned = authorizations
                .Where(a => a.CreationDate < before && !a.Tokens.Any())
                .Where(a => a.Status != Statuses.Valid || a.Type == AuthorizationTypes.AdHoc)
                .OrderBy(a => a.Id).Take(batch).Select(a => a.Id);
            deleted = await authorizations.Where(a => orphaned.Contains(a.Id)).ExecuteDeleteAsync(cancellationToken);
            deletedAuthorizations += deleted;
        }
        while (deleted == batch);

        // Browser sessions over before the threshold (their links to authorizations go with them).
        await db.BrowserSessions.Where(s => s.ExpiresAt < before || s.EndedAt < before).ExecuteDeleteAsync(cancellationToken);

        // Back-channel logout notices once delivered or abandoned before the threshold; pending ones stay whatever their age.
        await db.BackchannelLogoutNotices.Where(n => n.DeliveredAt < before || n.AbandonedAt < before).ExecuteDeleteAsync(cancellationToken);

        // Revocation feed events once every token they refuse has expired (their acknowledgements go with them), and
        // streams nobody polled within the inactivity timeout: both on their own clock, not the retention's.
        await db.SecurityEvents.Where(e => e.ExpiresAt < nowUtc).ExecuteDeleteAsync(cancellationToken);
        var idleSince = nowUtc - signals.Value.StreamInactivityTimeout;
        await db.SecurityEventStreams.Where(s => s.LastPolledAt < idleSince).ExecuteDeleteAsync(cancellationToken);

        // Sign-in counters on their own, shorter clock (Throttling/).
        await throttle.PruneAsync(cancellationToken);

        Audit.Pruned(logger, deletedTokens, deletedAuthorizations, threshold);
        metrics.TokenRows(await tokens.LongCountAsync(cancellationToken));
        return new PruneCounts(deletedTokens, deletedAuthorizations, threshold);
    }
}
