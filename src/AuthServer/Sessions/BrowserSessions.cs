using System.Security.Cryptography;
using AuthServer.BackchannelLogout;
using AuthServer.Contracts.Admin;
using AuthServer.Login;
using AuthServer.Persistence;
using AuthServer.Revocation;
using AuthServer.SharedSignals;
using AuthServer.Throttling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Sessions;

/// <summary>
/// Server-side browser sessions: one row per sign-in, the login cookie only points at it. Ending a row ends the
/// session on every instance at its next request (the cookie is checked against the row on each use), and revokes
/// every authorization (code, refresh-token chain) issued inside it.
/// </summary>
public sealed class BrowserSessions(AuthDbContext db, TimeProvider clock, IOptions<LoginOptions> options, TokenRevoker revoker, SecurityEventLog events)
{
    /// <summary>OIDC Front-Channel Logout 1.0 §3 / Back-Channel Logout 1.0 §2.4: the session id claim.</summary>
    public const string SessionIdClaim = "sid";

    /// <summary>Writing "last seen" on every request would make each page view a database write; a minute is close enough.</summary>
    private static readonly TimeSpan s_touchInterval = TimeSpan.FromMinutes(1);

    public async Task<BrowserSession> StartAsync(string userId, string? clientId, HttpContext context, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var userAgent = context.Request.Headers.UserAgent.ToString();
        var session = new BrowserSession
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(BrowserSession.IdLength / 2)),
            UserId = userId,
            ClientId = clientId is { Length: > 0 and <= BrowserSession.ClientIdLength } ? clientId : null,
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + options.Value.SessionLifetime,
            SourceAddress = SourceAddress.Of(context),
            UserAgent = userAgent.Length > BrowserSession.UserAgentLength ? userAgent[..BrowserSession.UserAgentLength] : userAgent,
        };
        db.BrowserSessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(session).State = EntityState.Detached;
        return session;
    }

    /// <summary>The session if it may still be used: not ended, within its absolute lifetime and its idle timeout.</summary>
    public async Task<BrowserSession?> FindLiveAsync(string? id, CancellationToken cancellationToken)
    {
        if (id is not { Length: BrowserSession.IdLength })
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var session = await db.BrowserSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        return session is { EndedAt: null } && session.ExpiresAt > now && session.LastSeenAt + options.Value.IdleTimeout > now ? session : null;
    }

    /// <summary>Moves the idle deadline; at most once a minute per session.</summary>
    public async Task TouchAsync(BrowserSession session, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now - session.LastSeenAt >= s_touchInterval)
        {
            await db.BrowserSessions.Where(s => s.Id == session.Id && s.EndedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now), cancellationToken);
        }
    }

    /// <summary>
    /// Records that an authorization (and so its code and refresh tokens) was issued inside the session, and answers whether
    /// the session is still live once the record is visible. A session ended between the caller's check and this record
    /// did not see the authorization: it is revoked here instead, so ending a session takes every grant minted in it.
    /// </summary>
    public async Task<bool> AttachAsync(string sessionId, string authorizationId, string clientId, CancellationToken cancellationToken)
    {
        if (!await db.BrowserSessionGrants.AnyAsync(g => g.SessionId == sessionId && g.AuthorizationId == authorizationId, cancellationToken))
        {
            var grant = new BrowserSessionGrant { SessionId = sessionId, AuthorizationId = authorizationId, ClientId = clientId, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.BrowserSessionGrants.Add(grant);
            await db.SaveChangesAsync(cancellationToken);
            db.Entry(grant).State = EntityState.Detached;
        }

        if (await FindLiveAsync(sessionId, cancellationToken) is not null)
        {
            return true;
        }

        await revoker.RevokeAuthorizationsAsync(
            db.BrowserSessionGrants.Where(g => g.SessionId == sessionId && g.AuthorizationId == authorizationId).Select(g => g.AuthorizationId), cancellationToken);
        return false;
    }

    /// <summary>Ends one session and revokes everything issued inside it; the revocation feed tells resource APIs to refuse its access tokens (`sid`).</summary>
    public Task<RevocationCounts> EndAsync(string sessionId, string reason, CancellationToken cancellationToken) =>
        UnitOfWork.RunAsync(db, async token =>
        {
            var ended = await End(db, db.BrowserSessions.Where(s => s.Id == sessionId), reason, clock.GetUtcNow().UtcDateTime, token);
            var counts = await revoker.RevokeAuthorizationsAsync(db.BrowserSessionGrants.Where(g => g.SessionId == sessionId).Select(g => g.AuthorizationId), token);
            if ((ended > 0 || counts.Authorizations > 0)
                && await db.BrowserSessions.Where(s => s.Id == sessionId).Select(s => s.UserId).FirstOrDefaultAsync(token) is { } userId)
            {
                await events.SessionRevokedAsync(userId, sessionId, reason, token);
            }

            return counts with { BrowserSessions = ended };
        }, cancellationToken);

    /// <summary>The session an authorization was issued in, if any.</summary>
    public Task<string?> SessionOfAsync(string authorizationId, CancellationToken cancellationToken) =>
        db.BrowserSessionGrants.Where(g => g.AuthorizationId == authorizationId).Select(g => g.SessionId).FirstOrDefaultAsync(cancellationToken);

    /// <summary>A user's sessions, newest first, with the authorizations issued in each.</summary>
    public Task<List<BrowserSession>> ListAsync(string userId, int skip, int take, CancellationToken cancellationToken) =>
        db.BrowserSessions.AsNoTracking().Include(s => s.Grants)
            .Where(s => s.UserId == userId)
            .OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id)
            .Skip(skip).Take(take)
            .ToListAsync(cancellationToken);

    /// <summary>The user's live refresh-token chains (authorizations).</summary>
    public static IQueryable<OpenIddictEntityFrameworkCoreAuthorization> LiveAuthorizations(AuthDbContext db, string userId) =>
        db.Set<OpenIddictEntityFrameworkCoreAuthorization>().AsNoTracking().Where(a => a.Subject == userId && a.Status == OpenIddictConstants.Statuses.Valid);

    /// <summary>
    /// A page of the user's live chains, newest first, each with its client, when it was issued and last refreshed, and
    /// the browser session it was issued in: what the admin API and the user's account page both list.
    /// </summary>
    public static IQueryable<SessionView> LiveChains(AuthDbContext db, string userId, int skip, int take) =>
        LiveAuthorizations(db, userId)
            .OrderByDescending(a => a.CreationDate).ThenBy(a => a.Id)
            .Skip(skip).Take(take)
            .Select(a => new SessionView(
                a.Id!,
                a.Application!.ClientId,
                a.CreationDate,
                // Each refresh writes a new token row, so the newest row's creation is when the session was last used.
                a.Tokens.Max(t => t.CreationDate),
                a.Tokens.Where(t => t.Status == OpenIddictConstants.Statuses.Valid).Max(t => t.ExpirationDate),
                a.Tokens.Count(t => t.Status == OpenIddictConstants.Statuses.Valid),
                a.Tokens.Count,
                db.BrowserSessionGrants.Where(g => g.AuthorizationId == a.Id).Select(g => g.SessionId).FirstOrDefault()));

    /// <summary>
    /// Ends the sessions and queues the back-channel logout notices they owe, in the caller's unit of work. A live
    /// session ends with its own conditional UPDATE: of two requests ending it at once, only the one whose UPDATE
    /// matched queues its notices, so a client hears of each end once. Rows already past their lifetime end in bulk,
    /// without notices: their clients' sessions died with them.
    /// </summary>
    internal static async Task<int> End(AuthDbContext db, IQueryable<BrowserSession> sessions, string reason, DateTime now, CancellationToken cancellationToken)
    {
        var open = sessions.Where(s => s.EndedAt == null);
        var live = await open.Where(s => s.ExpiresAt > now).Select(s => new EndedSession(s.Id, s.UserId)).ToListAsync(cancellationToken);
        List<EndedSession> ended = [];
        foreach (var session in live)
        {
            if (await db.BrowserSessions.Where(s => s.Id == session.SessionId && s.EndedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.EndReason, reason), cancellationToken) == 1)
            {
                ended.Add(session);
            }
        }

        var expired = await open.Where(s => s.ExpiresAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.EndReason, reason), cancellationToken);
        await LogoutNotices.EnqueueAsync(db, ended, now, cancellationToken);
        return ended.Count + expired;
    }
}
