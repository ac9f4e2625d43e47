using System.Security.Cryptography;
using System.Text;
using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.Throttling;

/// <summary>What the stored counters say about one attempt, read before the password is checked.</summary>
public sealed record ThrottleState(SignInThrottleEntry? Pair, SignInThrottleEntry? Account, TimeSpan PairBlockedFor, bool AccountBlocked);

/// <summary>
/// Growing back-off for failed passwords, in the database so every instance sees the same counts. The pair
/// (account name as typed, source) backs off first and says so (429): it is keyed by what the caller typed, known
/// account or not, so it reveals nothing. The account backs off across sources only after many more failures,
/// briefly, and silently (the answer is the ordinary refusal), except for sources it recently signed in from.
/// </summary>
public sealed class SignInThrottle(AuthDbContext db, TimeProvider clock, IOptions<ThrottlingOptions> options)
{
    private const int Attempts = 3;

    /// <summary>How stale "last signed in from here" may be before a success writes it again (it only needs days of precision).</summary>
    private static readonly TimeSpan s_successRefresh = TimeSpan.FromDays(1);

    public static string PairKey(string normalizedLogin, string source) => Digest("pair", normalizedLogin, source);

    public static string AccountKey(string? userId, string normalizedLogin) =>
        userId is null ? Digest("name", normalizedLogin, "") : Digest("user", userId, "");

    public async Task<ThrottleState> ReadAsync(string pairKey, string accountKey, CancellationToken cancellationToken)
    {
        var rows = await db.SignInThrottles.AsNoTracking()
            .Where(t => t.Key == pairKey || t.Key == accountKey)
            .ToListAsync(cancellationToken);
        var pair = rows.Find(r => r.Key == pairKey);
        var account = rows.Find(r => r.Key == accountKey);

        var now = clock.GetUtcNow().UtcDateTime;
        var pairBlockedFor = pair?.BlockedUntil is { } until && until > now ? until - now : TimeSpan.Zero;
        var knownSource = pair?.LastSuccessAt is { } success && success > now - options.Value.KnownSourceLifetime;
        var accountBlocked = !knownSource && account?.BlockedUntil is { } accountUntil && accountUntil > now;
        return new ThrottleState(pair, account, pairBlockedFor, accountBlocked);
    }

    public async Task RecordFailureAsync(ThrottleState state, string pairKey, string accountKey, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await BumpAsync(pairKey, state.Pair, settings.FreeFailuresPerSource, settings.MaxSourceBackoff, cancellationToken);
        await BumpAsync(accountKey, state.Account, settings.FreeFailuresPerAccount, settings.MaxAccountBackoff, cancellationToken);
    }

    /// <summary>A success clears the pair's count and makes the source known; the account's count only fades with time.</summary>
    public async Task RecordSuccessAsync(ThrottleState state, string pairKey, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (state.Pair is null)
        {
            await TryInsertAsync(new SignInThrottleEntry { Key = pairKey, LastSuccessAt = now, UpdatedAt = now }, cancellationToken);
            return;
        }

        // Nothing to clear and the source already counts as known: the everyday sign-in costs no write.
        if (state.Pair is { Failures: 0, BlockedUntil: null, LastSuccessAt: { } last } && last > now - s_successRefresh)
        {
            return;
        }

        await db.SignInThrottles.Where(t => t.Key == pairKey).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Failures, 0)
            .SetProperty(t => t.BlockedUntil, (DateTime?)null)
            .SetProperty(t => t.LastSuccessAt, now)
            .SetProperty(t => t.UpdatedAt, now), cancellationToken);
    }

    /// <summary>Operator relief (unlock): forgets the account's failures and back-off.</summary>
    public Task<int> ForgetAccountAsync(string userId, CancellationToken cancellationToken)
    {
        var key = AccountKey(userId, "");
        return db.SignInThrottles.Where(t => t.Key == key).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>
    /// Rows that can no longer matter: failures forgotten and no back-off running, and, for a source the user signed in
    /// from, that success older than it counts. A spray of made-up names therefore leaves rows for an hour, not a month.
    /// </summary>
    public Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var failuresBefore = now - options.Value.ForgetFailuresAfter;
        var successBefore = now - options.Value.KnownSourceLifetime;
        var touchedBefore = failuresBefore > successBefore ? failuresBefore : successBefore;
        return db.SignInThrottles
            .Where(t => t.UpdatedAt < touchedBefore) // the index; the rest decides
            .Where(t => (t.LastFailureAt == null || t.LastFailureAt < failuresBefore)
                && (t.BlockedUntil == null || t.BlockedUntil < now)
                && (t.LastSuccessAt == null || t.LastSuccessAt < successBefore))
            .ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>One more failure, with optimistic concurrency on the count so parallel failures are all counted.</summary>
    private async Task BumpAsync(string key, SignInThrottleEntry? seen, int free, TimeSpan maxBackoff, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var fresh = seen is null || seen.LastFailureAt is not { } last || last < now - options.Value.ForgetFailuresAfter;
            var failures = (fresh ? 0 : seen!.Failures) + 1;
            DateTime? blockedUntil = failures > free ? now + Backoff(failures - free, maxBackoff) : seen?.BlockedUntil;
            if (seen is null)
            {
                if (await TryInsertAsync(new SignInThrottleEntry { Key = key, Failures = 1, LastFailureAt = now, UpdatedAt = now, BlockedUntil = blockedUntil }, cancellationToken))
                {
                    return;
                }
            }
            else
            {
                var expected = seen.Failures;
                var updated = await db.SignInThrottles.Where(t => t.Key == key && t.Failures == expected).ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Failures, failures)
                    .SetProperty(t => t.BlockedUntil, blockedUntil)
                    .SetProperty(t => t.LastFailureAt, now)
                    .SetProperty(t => t.UpdatedAt, now), cancellationToken);
                if (updated == 1)
                {
                    return;
                }
            }

            seen = await db.SignInThrottles.AsNoTracking().FirstOrDefaultAsync(t => t.Key == key, cancellationToken);
        }
    }

    private TimeSpan Backoff(int step, TimeSpan max)
    {
        var backoff = options.Value.BackoffBase * Math.Pow(2, Math.Min(step - 1, 30));
        return backoff < max ? backoff : max;
    }

    /// <summary>False when another request inserted the same key first.</summary>
    private async Task<bool> TryInsertAsync(SignInThrottleEntry entry, CancellationToken cancellationToken)
    {
        db.SignInThrottles.Add(entry);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            return false;
        }
        finally
        {
            db.Entry(entry).State = EntityState.Detached;
        }
    }

    private static string Digest(string kind, string first, string second) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{first}\n{second}")));
}
