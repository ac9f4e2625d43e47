using System.Security.Cryptography;
using System.Text;
using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.Throttling;

/// <summary>What a reservation decided for one attempt, before any password is hashed.</summary>
public enum Admission
{
    /// <summary>Counted as a failure in advance (a success gives it back): the password may be checked.</summary>
    Admitted,

    /// <summary>The account is backing off for this caller: answered like a wrong password, after a decoy hash, counting nothing.</summary>
    AccountBackingOff,

    /// <summary>This (account, source) pair is backing off: 429 with the wait.</summary>
    PairBlocked,

    /// <summary>Parallel attempts kept changing the counters under this one: 429 for a second rather than an uncounted check.</summary>
    Contended,
}

/// <summary>One attempt's place in the counters: whether it may be checked, and what it holds to give back.</summary>
public sealed record SignInReservation(Admission Admission, string PairKey, string AccountKey, bool CountedOnAccount, TimeSpan RetryAfter = default);

/// <summary>
/// Growing back-off for failed passwords, in the database so every instance sees the same counts. The pair (the account,
/// or the name typed when there is none, with the source) backs off first and says so (429). The account backs off
/// across sources only after many more failures, briefly and silently (the answer is the ordinary refusal), and never for
/// a source it signed in from or a browser it signed in with (<see cref="KnownDevices"/>).
/// Every attempt is counted as a failure before its password is hashed, by a conditional write on the counters it read,
/// so attempts sent in parallel (to one instance or many) cannot all pass one check; a success gives its count back.
/// </summary>
public sealed class SignInThrottle(AuthDbContext db, TimeProvider clock, IOptions<ThrottlingOptions> options)
{
    private const int Attempts = 3;

    private static readonly TimeSpan s_contended = TimeSpan.FromSeconds(1);

    /// <summary>Keyed on the account when there is one, so every spelling of it (name, e-mail, case) is one pair.</summary>
    public static string PairKey(string? userId, string normalizedLogin, string source) =>
        userId is null ? Digest("pair", normalizedLogin, source) : Digest("user-pair", userId, source);

    public static string AccountKey(string? userId, string normalizedLogin) =>
        userId is null ? Digest("name", normalizedLogin, "") : Digest("user", userId, "");

    /// <summary>
    /// Decides and counts in one step: reads both counters, then writes the attempt into them only if nobody changed them
    /// since (one transaction when both are written); a lost race reads again. Refusals are not failures and write nothing.
    /// </summary>
    public async Task<SignInReservation> ReserveAsync(string pairKey, string accountKey, bool knownDevice, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var rows = await db.SignInThrottles.AsNoTracking()
                .Where(t => t.Key == pairKey || t.Key == accountKey)
                .ToListAsync(cancellationToken);
            var pair = rows.Find(r => r.Key == pairKey);
            var account = rows.Find(r => r.Key == accountKey);

            var now = clock.GetUtcNow().UtcDateTime;
            if (pair?.BlockedUntil is { } until && until > now)
            {
                return new SignInReservation(Admission.PairBlocked, pairKey, accountKey, false, until - now);
            }

            // A source or browser the account signed in from is neither held back nor counted by the account's back-off.
            var exempt = knownDevice || (pair?.LastSuccessAt is { } success && success > now - settings.KnownSourceLifetime);
            if (!exempt && account?.BlockedUntil is { } accountUntil && accountUntil > now)
            {
                return new SignInReservation(Admission.AccountBackingOff, pairKey, accountKey, false);
            }

            var pairFailures = Recent(pair, now) + 1;
            var pairNext = (pairFailures, pairFailures >= settings.FreeFailuresPerSource
                ? now + Backoff(pairFailures - settings.FreeFailuresPerSource + 1, settings.MaxSourceBackoff)
                : (DateTime?)null);
            var reserved = exempt
                ? await TrySwapAsync(pairKey, pair, pairNext, now, cancellationToken)
                : await TrySwapBothAsync(pairKey, pair, pairNext, accountKey, account, AccountNext(account, now), now, cancellationToken);
            if (reserved)
            {
                return new SignInReservation(Admission.Admitted, pairKey, accountKey, !exempt);
            }
        }

        return new SignInReservation(Admission.Contended, pairKey, accountKey, false, s_contended);
    }

    /// <summary>A success clears the pair (it makes the source known) and gives back what it held on the account.</summary>
    public async Task RecordSuccessAsync(SignInReservation reservation, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (pairKey, accountKey, refund) = (reservation.PairKey, reservation.AccountKey, reservation.CountedOnAccount);
        await db.SignInThrottles
            .Where(t => t.Key == pairKey || (refund && t.Key == accountKey && t.Failures > 0))
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Failures, t => t.Key == pairKey ? 0 : t.Failures - 1)
                .SetProperty(t => t.BlockedUntil, t => t.Key == pairKey ? (DateTime?)null : t.BlockedUntil)
                .SetProperty(t => t.LastSuccessAt, t => t.Key == pairKey ? now : t.LastSuccessAt)
                .SetProperty(t => t.UpdatedAt, now), cancellationToken);
    }

    /// <summary>Gives back an admitted attempt that was never checked (no hashing slot, or the caller left while waiting).</summary>
    public async Task ReleaseAsync(SignInReservation reservation, CancellationToken cancellationToken)
    {
        if (reservation.Admission != Admission.Admitted)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var (pairKey, accountKey, refund) = (reservation.PairKey, reservation.AccountKey, reservation.CountedOnAccount);
        await db.SignInThrottles
            .Where(t => (t.Key == pairKey || (refund && t.Key == accountKey)) && t.Failures > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Failures, t => t.Failures - 1).SetProperty(t => t.UpdatedAt, now), cancellationToken);
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

    /// <summary>
    /// The account's back-off is earned, not renewed: every FreeFailuresPerAccount-th failure starts one of MaxAccountBackoff,
    /// and failures refused during it are not counted, so one failure a minute cannot hold the account shut.
    /// </summary>
    private (int Failures, DateTime? BlockedUntil) AccountNext(SignInThrottleEntry? seen, DateTime now)
    {
        var settings = options.Value;
        var failures = Recent(seen, now) + 1;
        return (failures, failures % settings.FreeFailuresPerAccount == 0 ? now + settings.MaxAccountBackoff : null);
    }

    /// <summary>Failures still remembered: a count fades whole once no failure came for ForgetFailuresAfter.</summary>
    private int Recent(SignInThrottleEntry? seen, DateTime now) =>
        seen?.LastFailureAt is { } last && last >= now - options.Value.ForgetFailuresAfter ? seen.Failures : 0;

    /// <summary>Both counters or neither: the pair's write is undone when the account's lost its race.</summary>
    private Task<bool> TrySwapBothAsync(
        string pairKey, SignInThrottleEntry? pair, (int, DateTime?) pairNext,
        string accountKey, SignInThrottleEntry? account, (int, DateTime?) accountNext, DateTime now, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            if (await TrySwapAsync(pairKey, pair, pairNext, now, token) && await TrySwapAsync(accountKey, account, accountNext, now, token))
            {
                await transaction.CommitAsync(token);
                return true;
            }

            await transaction.RollbackAsync(token);
            return false;
        }, cancellationToken);

    /// <summary>Writes the next count only if the row is still as it was read (compare and swap); false when another attempt came first.</summary>
    private async Task<bool> TrySwapAsync(string key, SignInThrottleEntry? seen, (int Failures, DateTime? BlockedUntil) next, DateTime now, CancellationToken cancellationToken)
    {
        if (seen is null)
        {
            return await TryInsertAsync(
                new SignInThrottleEntry { Key = key, Failures = next.Failures, BlockedUntil = next.BlockedUntil, LastFailureAt = now, UpdatedAt = now },
                cancellationToken);
        }

        var (failures, blockedUntil) = (seen.Failures, seen.BlockedUntil);
        return await db.SignInThrottles.Where(t => t.Key == key && t.Failures == failures && t.BlockedUntil == blockedUntil).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.Failures, next.Failures)
            .SetProperty(t => t.BlockedUntil, next.BlockedUntil)
            .SetProperty(t => t.LastFailureAt, now)
            .SetProperty(t => t.UpdatedAt, now), cancellationToken) == 1;
    }

    private TimeSpan Backoff(int step, TimeSpan max)
    {
        var backoff = options.Value.BackoffBase * Math.Pow(2, Math.Min(step - 1, 30));
        return backoff < max ? backoff : max;
    }

    /// <summary>False when another request inserted the same key first (a lost race, not an error: <see cref="InsertIfAbsent"/>).</summary>
    private Task<bool> TryInsertAsync(SignInThrottleEntry entry, CancellationToken cancellationToken) =>
        InsertIfAbsent.ExecuteAsync(db, entry, cancellationToken);

    private static string Digest(string kind, string first, string second) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{first}\n{second}")));
}
