using System.Collections.Concurrent;
using System.Security.Claims;
using AuthServer.Account;
using AuthServer.Observability;
using AuthServer.Passkeys;
using AuthServer.Persistence;
using AuthServer.Throttling;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Users;

public enum SignInOutcome
{
    Succeeded,
    UnknownUser,
    WrongPassword,
    LockedOut,
    NotAllowed,

    /// <summary>The account is backing off after failures from many sources; answered like a wrong password.</summary>
    AccountThrottled,

    /// <summary>Too many attempts from this source, or for this name from it: 429, before any password is checked.</summary>
    SourceThrottled,

    /// <summary>Every hashing slot is taken and the queue is full: 429, so sign-ins cannot starve refreshes.</summary>
    Busy,
}

/// <summary>
/// One password attempt, through the grant or the login form: who, from where (after trusted proxies), and the accounts
/// the browser signed in to before (login form only; see <see cref="KnownDevices"/>). A confirmation is the current
/// password checked before a change (the account page): guarded alike, but its success is no sign-in.
/// </summary>
public sealed record SignInAttempt(string Login, string Password, string? ClientId, string Source, IReadOnlySet<string>? KnownDeviceOf = null, bool Confirmation = false);

public sealed record SignInVerdict(SignInOutcome Outcome, IdentityUser? User, TimeSpan RetryAfter = default)
{
    public bool Succeeded => Outcome == SignInOutcome.Succeeded && User is not null;

    /// <summary>Told apart from the ordinary refusal: the caller should wait, not retype.</summary>
    public bool IsThrottled => Outcome is SignInOutcome.SourceThrottled or SignInOutcome.Busy;
}

/// <summary>The one place that decides whether a user may get tokens: at sign-in and again at every refresh.</summary>
public sealed class UserGate(
    AuthDbContext db,
    UserManager<IdentityUser> users,
    SignInManager<IdentityUser> signIn,
    SignInThrottle throttle,
    SignInLimits limits,
    AuthMetrics metrics,
    AccountHistory history,
    IOptions<PasswordHasherOptions> hashing,
    ILogger<UserGate> logger)
{
    public const string PasswordMethod = "password";
    public const string PasskeyMethod = "passkey";

    /// <summary>Claim kept only inside refresh tokens and codes (no destination), never in tokens a client can read.</summary>
    public const string SecurityStampClaim = "AspNet.Identity.SecurityStamp";

    /// <summary>One decoy per hashing cost: a decoy made with other settings than real users' hashes would time differently.</summary>
    private static readonly ConcurrentDictionary<(int Iterations, PasswordHasherCompatibilityMode Mode), string> s_decoys = new();

    /// <summary>
    /// Every refusal that can follow a guess (unknown user, wrong password, locked, not allowed, account backing
    /// off) costs exactly one password hash and answers the same, so neither the answer nor its time tells them
    /// apart. Failures never lock the account and never touch its tokens: they only slow the guesser down.
    /// </summary>
    public async Task<SignInVerdict> CheckPasswordAsync(SignInAttempt attempt, CancellationToken cancellationToken)
    {
        using var inFlight = limits.SignInInFlight();
        return await CheckAsync(attempt, cancellationToken);
    }

    private async Task<SignInVerdict> CheckAsync(SignInAttempt attempt, CancellationToken cancellationToken)
    {
        using (var sourceLease = limits.AttemptSignIn(attempt.Source))
        {
            if (!sourceLease.IsAcquired)
            {
                return Throttled(attempt, SignInOutcome.SourceThrottled, SignInLimits.RetryAfter(sourceLease), "source");
            }
        }

        // Checked again below; refusing here spares a flood the user lookup and counter read when no slot could be had.
        if (limits.IsHashingSaturated)
        {
            return Throttled(attempt, SignInOutcome.Busy, TimeSpan.FromSeconds(1), "hashing-busy");
        }

        // Surrounding spaces are never part of a name or an address (UserKeys); SQL Server would ignore trailing ones, SQLite not.
        var login = UserKeys.Trim(attempt.Login);
        var normalized = users.NormalizeName(login) ?? "";
        var user = await FindAsync(login);
        var knownDevice = user is not null && attempt.KnownDeviceOf?.Contains(user.Id) == true;
        var reservation = await throttle.ReserveAsync(
            SignInThrottle.PairKey(user?.Id, normalized, attempt.Source), SignInThrottle.AccountKey(user?.Id, normalized), knownDevice, cancellationToken);
        switch (reservation.Admission)
        {
            case Admission.PairBlocked:
                return Throttled(attempt, SignInOutcome.SourceThrottled, reservation.RetryAfter, "account-and-source");
            case Admission.Contended:
                return Throttled(attempt, SignInOutcome.Busy, reservation.RetryAfter, "contended");
        }

        SignInOutcome outcome;
        using (var hashing = await AcquireHashingAsync(reservation, cancellationToken))
        {
            if (!hashing.IsAcquired)
            {
                await throttle.ReleaseAsync(reservation, CancellationToken.None);
                return Throttled(attempt, SignInOutcome.Busy, TimeSpan.FromSeconds(1), "hashing-busy");
            }

            outcome = await VerifyAsync(user, attempt.Password, reservation.Admission == Admission.AccountBackingOff);
        }

        if (outcome == SignInOutcome.Succeeded)
        {
            await throttle.RecordSuccessAsync(reservation, cancellationToken);
            if (!attempt.Confirmation)
            {
                await RecordSignInAsync(user!, PasswordMethod, attempt.ClientId, attempt.Source, cancellationToken);
            }

            return new SignInVerdict(outcome, user);
        }

        // The failure was counted when the attempt was admitted; a refusal by the account's back-off counts nothing.
        await RecordFailureAsync(outcome.ToString(), PasswordMethod, user, attempt.ClientId, attempt.Source, cancellationToken);
        return new SignInVerdict(outcome, user);
    }

    /// <summary>
    /// The source limit a passkey attempt shares with passwords, taken before the ceremony is checked: a passkey costs no
    /// hash, but a flood of forged assertions still costs lookups and signature checks. Null when the attempt may go on.
    /// </summary>
    public SignInVerdict? ThrottlePasskeyAttempt(string? clientId, string source)
    {
        using var lease = limits.AttemptSignIn(source);
        return lease.IsAcquired ? null : Throttled(new SignInAttempt("", "", clientId, source), SignInOutcome.SourceThrottled, SignInLimits.RetryAfter(lease), "source");
    }

    /// <summary>
    /// A passkey ceremony's outcome under the rules a password sign-in has: an operator's lock and Identity's sign-in
    /// rules refuse it, and it counts in the same audit events, metrics and account history (method passkey).
    /// </summary>
    public async Task<SignInVerdict> CheckPasskeyAsync(PasskeyVerdict ceremony, string? clientId, string source, CancellationToken cancellationToken)
    {
        var user = ceremony.User;
        var outcome = !ceremony.Succeeded || user is null ? SignInOutcome.WrongPassword
            : await users.IsLockedOutAsync(user) ? SignInOutcome.LockedOut
            : !await signIn.CanSignInAsync(user) ? SignInOutcome.NotAllowed
            : SignInOutcome.Succeeded;
        if (outcome == SignInOutcome.Succeeded)
        {
            await RecordSignInAsync(user!, PasskeyMethod, clientId, source, cancellationToken);
            return new SignInVerdict(outcome, user);
        }

        await RecordFailureAsync(ceremony.Failure ?? outcome.ToString(), PasskeyMethod, user, clientId, source, cancellationToken);
        return new SignInVerdict(outcome, user);
    }

    private async Task RecordSignInAsync(IdentityUser user, string method, string? clientId, string source, CancellationToken cancellationToken)
    {
        metrics.SignedIn(method);
        Audit.SignedIn(logger, method, clientId, user.Id);
        await history.RecordAsync(user.Id, AccountHistory.Kinds.SignedIn, source, cancellationToken, method, clientId);
    }

    /// <summary>Attempts against an existing account are in its history (coarse source only); guesses at unknown names are only logged.</summary>
    private async Task RecordFailureAsync(string reason, string method, IdentityUser? user, string? clientId, string source, CancellationToken cancellationToken)
    {
        metrics.SignInFailed(method);
        Audit.SignInFailed(logger, reason, method, clientId, user?.Id);
        if (user is not null)
        {
            await history.RecordAsync(user.Id, AccountHistory.Kinds.SignInFailed, source, cancellationToken, method, clientId);
        }
    }

    /// <summary>
    /// The user behind a refresh token, code or login cookie, if they may still get tokens: they exist, are not locked by an
    /// operator, their security stamp is unchanged since the token was issued (a password change or an operator's revocation
    /// kills old tokens), and the browser session it was issued in (`sid`) has not ended.
    /// Their roles come with them, read in the same statement, for the tokens about to be issued.
    /// </summary>
    public async Task<UserWithRoles?> RecheckAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (await FindActiveAsync(principal.FindFirst(Claims.Subject)?.Value, cancellationToken, principal.FindFirst(Sessions.BrowserSessions.SessionIdClaim)?.Value)
            is not { User: var user, SessionEnded: false } current)
        {
            return null;
        }

        var stamp = principal.FindFirst(SecurityStampClaim)?.Value;
        return users.SupportsUserSecurityStamp && !string.Equals(stamp, await users.GetSecurityStampAsync(user), StringComparison.Ordinal)
            ? null
            : current;
    }

    /// <summary>
    /// The user if they exist and no operator locked them, with their roles, in one statement: what every token of theirs
    /// needs; with <paramref name="sessionId"/>, whether that browser session has ended, read in the same statement.
    /// </summary>
    public async Task<UserWithRoles?> FindActiveAsync(string? userId, CancellationToken cancellationToken, string? sessionId = null) =>
        userId is not null && await UserWithRoles.FindAsync(db, userId, sessionId, cancellationToken) is { } current && !await users.IsLockedOutAsync(current.User)
            ? current
            : null;

    public Task<IList<string>> GetRolesAsync(IdentityUser user) => users.GetRolesAsync(user);

    /// <summary>One hash on every path; the lock and sign-in rules are read only after it, so they cost no less.</summary>
    private async Task<SignInOutcome> VerifyAsync(IdentityUser? user, string password, bool accountBlocked)
    {
        if (user is null || accountBlocked || user.PasswordHash is null)
        {
            users.PasswordHasher.VerifyHashedPassword(new IdentityUser(), DecoyHash(), password);
            return user is null ? SignInOutcome.UnknownUser : accountBlocked ? SignInOutcome.AccountThrottled : SignInOutcome.WrongPassword;
        }

        if (!await users.CheckPasswordAsync(user, password))
        {
            return SignInOutcome.WrongPassword;
        }

        // Identity's lockout now means an operator's lock only: failed passwords back off instead (see SignInThrottle).
        return await users.IsLockedOutAsync(user) ? SignInOutcome.LockedOut
            : !await signIn.CanSignInAsync(user) ? SignInOutcome.NotAllowed
            : SignInOutcome.Succeeded;
    }

    private string DecoyHash() => s_decoys.GetOrAdd(
        (hashing.Value.IterationCount, hashing.Value.CompatibilityMode),
        _ => new PasswordHasher<IdentityUser>(hashing).HashPassword(new IdentityUser(), Guid.NewGuid().ToString()));

    /// <summary>An attempt that leaves while queued for a slot was never checked: what it reserved goes back.</summary>
    private async Task<System.Threading.RateLimiting.RateLimitLease> AcquireHashingAsync(SignInReservation reservation, CancellationToken cancellationToken)
    {
        try
        {
            return await limits.AcquireHashingAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await throttle.ReleaseAsync(reservation, CancellationToken.None);
            throw;
        }
    }

    private SignInVerdict Throttled(SignInAttempt attempt, SignInOutcome outcome, TimeSpan retryAfter, string reason)
    {
        metrics.SignInThrottled(reason);
        Audit.SignInThrottled(logger, reason, attempt.ClientId, attempt.Source);
        return new SignInVerdict(outcome, null, retryAfter);
    }

    private Task<IdentityUser?> FindAsync(string login) => UserKeys.FindBySignInNameAsync(users, login);
}
