using System.Globalization;
using AuthServer.Login;
using AuthServer.Observability;
using AuthServer.Passkeys;
using AuthServer.Persistence;
using AuthServer.Revocation;
using AuthServer.Sessions;
using AuthServer.Throttling;
using AuthServer.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.Account;

/// <summary>The user behind this browser's login cookie, re-checked: their session, and whether they signed in recently enough for sensitive changes.</summary>
public sealed record SignedInUser(IdentityUser User, string SessionId, bool Confirmed)
{
    public bool HasPassword => User.PasswordHash is not null;
}

public enum PasskeyRemoval
{
    Removed,
    NotFound,

    /// <summary>The user's last way to sign in (no password, no other passkey): kept.</summary>
    LastWayIn,
}

/// <summary>What the account page does, each step on the signed-in user's own rows and through the shared revocation paths.</summary>
public sealed class AccountService(
    AuthDbContext db,
    UserGate gate,
    UserManager<IdentityUser> users,
    BrowserSessions sessions,
    TokenRevoker revoker,
    AccountHistory history,
    PasskeyCeremonies ceremonies,
    TimeProvider clock,
    IOptions<AccountOptions> options,
    IOptions<PasskeyOptions> passkeys,
    ILogger<AccountService> logger)
{
    public ILogger Log => logger;

    /// <summary>
    /// The signed-in user, or null: no cookie, an ended session (the cookie handler checks the row), or a user who may no
    /// longer sign in (locked by an operator, deleted, credentials changed), whose session ends here.
    /// </summary>
    public async Task<SignedInUser?> SignedInAsync(HttpContext context)
    {
        var session = await context.AuthenticateAsync(LoginSetup.Scheme);
        if (!session.Succeeded || session.Principal.FindFirst(BrowserSessions.SessionIdClaim)?.Value is not { } sessionId)
        {
            return null;
        }

        if (await gate.RecheckAsync(session.Principal, context.RequestAborted) is not { } current)
        {
            await sessions.EndAsync(sessionId, "user-changed", context.RequestAborted);
            await context.SignOutAsync(LoginSetup.Scheme);
            return null;
        }

        var authTime = long.TryParse(session.Principal.FindFirst(LoginSetup.AuthTimeClaim)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue;
        // The user as Identity tracks them: the page's changes go through UserManager, which saves this instance.
        var user = await users.FindByIdAsync(current.User.Id) ?? current.User;
        return new SignedInUser(user, sessionId, clock.GetUtcNow() - authTime <= options.Value.ConfirmWithin);
    }

    public async Task<AccountModel> ReadAsync(SignedInUser me, HttpContext context, string? notice, string? error)
    {
        var userId = me.User.Id;
        var cancellationToken = context.RequestAborted;
        var lastUsed = await db.Set<IdentityUserPasskey<string>>().AsNoTracking().Where(p => p.UserId == userId)
            .Select(p => new { p.CredentialId, LastUsed = EF.Property<DateTime?>(p, IdentitySchema.LastUsedAt) })
            .ToDictionaryAsync(p => Convert.ToHexString(p.CredentialId), p => p.LastUsed, cancellationToken);
        var passkeyRows = (await users.GetPasskeysAsync(me.User))
            .Select(p => new PasskeyRow(WebEncoders.Base64UrlEncode(p.CredentialId), p.Name ?? "Passkey", p.CreatedAt,
                lastUsed.GetValueOrDefault(Convert.ToHexString(p.CredentialId)), p.IsBackedUp))
            .OrderBy(p => p.Created).ToList();

        var now = clock.GetUtcNow().UtcDateTime;
        var liveSessions = (await sessions.ListAsync(userId, 0, MaxListed, cancellationToken))
            .Where(s => s.EndedAt is null && s.ExpiresAt > now).ToList();
        var chains = await BrowserSessions.LiveChains(db, userId, 0, MaxListed).ToListAsync(cancellationToken);
        var rows = liveSessions
            .Select(s => new SessionRow(s, [.. chains.Where(c => c.BrowserSession == s.Id)], s.Id == me.SessionId))
            .OrderByDescending(r => r.IsCurrent).ThenByDescending(r => r.Session.LastSeenAt).ToList();
        var liveIds = liveSessions.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var registration = passkeys.Value.Enabled && me.Confirmed ? await ceremonies.BeginRegistrationAsync(context, me.User) : null;
        return new AccountModel(
            me.User.UserName ?? userId, me.User.Email, me.HasPassword, me.Confirmed, passkeyRows, registration, rows,
            [.. chains.Where(c => c.BrowserSession is null || !liveIds.Contains(c.BrowserSession))],
            await history.RecentAsync(userId, options.Value.RecentEvents, cancellationToken), notice, error);
    }

    /// <summary>
    /// One conditional DELETE after the user's row is written (which every other change to the user waits for): two
    /// removals at once cannot both see a second passkey and leave an account with no way in.
    /// </summary>
    public async Task<PasskeyRemoval> RemovePasskeyAsync(SignedInUser me, byte[] credentialId, HttpContext context)
    {
        var userId = me.User.Id;
        var passkeys = db.Set<IdentityUserPasskey<string>>();
        var outcome = await UnitOfWork.RunAsync(db, async token =>
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), token);
            if (!await passkeys.AnyAsync(p => p.UserId == userId && p.CredentialId == credentialId, token))
            {
                return PasskeyRemoval.NotFound;
            }

            var removed = await passkeys
                .Where(p => p.UserId == userId && p.CredentialId == credentialId)
                .Where(_ => db.Users.Any(u => u.Id == userId && u.PasswordHash != null) || passkeys.Count(q => q.UserId == userId) > 1)
                .ExecuteDeleteAsync(token);
            return removed == 1 ? PasskeyRemoval.Removed : PasskeyRemoval.LastWayIn;
        }, context.RequestAborted);
        if (outcome == PasskeyRemoval.Removed)
        {
            await RecordAsync(me, AccountHistory.Kinds.PasskeyRemoved, context);
        }

        return outcome;
    }

    /// <summary>Another of the user's browser sessions, and everything issued inside it (the operator's path).</summary>
    public async Task<bool> EndSessionAsync(SignedInUser me, string sessionId, HttpContext context)
    {
        if (sessionId is not { Length: BrowserSession.IdLength }
            || !await db.BrowserSessions.AnyAsync(s => s.Id == sessionId && s.UserId == me.User.Id && s.EndedAt == null, context.RequestAborted))
        {
            return false;
        }

        // The revocation writes its own line in the account's history.
        var counts = await sessions.EndAsync(sessionId, UserReason, context.RequestAborted);
        return counts.BrowserSessions > 0 || counts.Authorizations > 0;
    }

    /// <summary>One refresh-token chain of the user's (an app's access), alone: the browser session it came from stays.</summary>
    public async Task<bool> EndChainAsync(SignedInUser me, string authorizationId, HttpContext context)
    {
        // Chain ids are GUIDs (stored as 16 bytes, Persistence/CompactStorage): anything else names no chain.
        if (!Guid.TryParse(authorizationId, out _)
            || !await BrowserSessions.LiveAuthorizations(db, me.User.Id).AnyAsync(a => a.Id == authorizationId, context.RequestAborted))
        {
            return false;
        }

        var counts = await revoker.RevokeSessionAsync(authorizationId, UserReason, context.RequestAborted);
        return counts.Authorizations > 0;
    }

    /// <summary>Every session and chain of the user but this browser's session and what was issued inside it.</summary>
    public async Task EndOtherSessionsAsync(SignedInUser me, HttpContext context)
    {
        var userId = me.User.Id;
        var cancellationToken = context.RequestAborted;
        var others = await db.BrowserSessions.Where(s => s.UserId == userId && s.EndedAt == null && s.Id != me.SessionId).Select(s => s.Id).ToListAsync(cancellationToken);
        foreach (var id in others)
        {
            await sessions.EndAsync(id, UserReason, cancellationToken);
        }

        var chains = await BrowserSessions.LiveChains(db, userId, 0, int.MaxValue).ToListAsync(cancellationToken);
        foreach (var chain in chains.Where(c => c.BrowserSession != me.SessionId))
        {
            await revoker.RevokeSessionAsync(chain.Id, UserReason, cancellationToken);
        }

        await RecordAsync(me, AccountHistory.Kinds.OtherSessionsEnded, context);
    }

    public async Task EndCurrentSessionAsync(SignedInUser me, HttpContext context)
    {
        await sessions.EndAsync(me.SessionId, "logout", context.RequestAborted);
        await context.SignOutAsync(LoginSetup.Scheme);
    }

    /// <summary>
    /// Changing the password ends every session and chain of the user, as a reset does (RevokingUserManager), this
    /// browser's too; this browser then signs in afresh in a new session, so the one who changed it stays signed in.
    /// Setting a first password ends nothing.
    /// </summary>
    public async Task<IdentityResult> ChangePasswordAsync(SignedInUser me, string current, string next, HttpContext context)
    {
        var user = me.User;
        var hadPassword = me.HasPassword;

        // The current password is checked as a sign-in is (source limit, back-off, hashing slots, one message), or this
        // form would be an unthrottled way to guess it, and to spend the server's hashing, for anyone holding a cookie.
        if (hadPassword && await gate.CheckPasswordAsync(
                new SignInAttempt(user.UserName ?? user.Id, current, ClientId: null, SourceAddress.Of(context), Confirmation: true), context.RequestAborted) is { Succeeded: false } check)
        {
            return IdentityResult.Failed(check.IsThrottled
                ? new IdentityError { Code = "Throttled", Description = $"Too many attempts. Try again in {TooManyRequests.Seconds(check.RetryAfter).ToString(CultureInfo.InvariantCulture)} seconds." }
                : users.ErrorDescriber.PasswordMismatch());
        }

        var result = hadPassword ? await users.ChangePasswordAsync(user, current, next) : await users.AddPasswordAsync(user, next);
        if (!result.Succeeded)
        {
            return result;
        }

        await RecordAsync(me, hadPassword ? AccountHistory.Kinds.PasswordChanged : AccountHistory.Kinds.PasswordSet, context);

        // Either way the security stamp moved, so this browser's cookie is re-issued with the new one.
        var fresh = await db.Users.AsNoTracking().FirstAsync(u => u.Id == user.Id, context.RequestAborted);
        var sessionId = hadPassword ? (await sessions.StartAsync(user.Id, clientId: null, context, context.RequestAborted)).Id : me.SessionId;
        await LoginPage.SignInBrowserAsync(context, fresh, sessionId, clock);
        return result;
    }

    public async Task RecordAsync(SignedInUser me, string kind, HttpContext context, string? detail = null)
    {
        Audit.AccountChanged(logger, kind, me.User.Id);
        await history.RecordAsync(me.User.Id, kind, SourceAddress.Of(context), context.RequestAborted, detail: detail);
    }

    private const string UserReason = "user";

    /// <summary>Sessions and chains the page lists at most; a user with more has a bigger problem than this page.</summary>
    private const int MaxListed = 200;
}
