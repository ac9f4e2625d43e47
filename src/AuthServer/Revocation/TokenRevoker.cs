using AuthServer.Contracts.Admin;
using AuthServer.Persistence;
using AuthServer.SharedSignals;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Revocation;

/// <summary>
/// Bulk revocation by user, client or session: one UPDATE per table whatever the number of rows, so revoking
/// a user with ten thousand refresh tokens costs two statements. Authorizations go first: once a chain's
/// authorization is revoked, OpenIddict refuses any token of it, even one minted between the two statements.
/// Each revocation of a user or a session also writes its security event for the revocation feed in the same unit of
/// work, so resource APIs hear of exactly the revocations that committed.
/// </summary>
public sealed class TokenRevoker(AuthDbContext db, TimeProvider clock, SecurityEventLog events)
{
    private IQueryable<OpenIddictEntityFrameworkCoreToken> Tokens => db.Set<OpenIddictEntityFrameworkCoreToken>();

    private IQueryable<OpenIddictEntityFrameworkCoreAuthorization> Authorizations => db.Set<OpenIddictEntityFrameworkCoreAuthorization>();

    /// <summary>Everything the user holds: refresh-token chains, and the browser sessions that could mint new ones.</summary>
    /// <remarks>One unit of work: each live session ended queues its back-channel logout notices with it.</remarks>
    public Task<RevocationCounts> RevokeUserAsync(string userId, string reason, CancellationToken cancellationToken) =>
        UnitOfWork.RunAsync(db, async token =>
        {
            var ended = await Sessions.BrowserSessions.End(db, db.BrowserSessions.Where(s => s.UserId == userId), reason, clock.GetUtcNow().UtcDateTime, token);

            // A new security stamp refuses, at their first use, the codes and refresh tokens that requests already under
            // way mint from the user as read before this revocation (every refresh and code redemption compares it).
            // The concurrency stamp changes with it, so an Identity update that read the user earlier cannot write the old stamp back.
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.SecurityStamp, Guid.NewGuid().ToString("N").ToUpperInvariant())
                .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), token);
            // Tokens through their chains: the authorizations' Subject index serves both statements (the token table has none).
            var chains = Authorizations.Where(a => a.Subject == userId);
            var (counts, stamp) = await RevokeAsync(chains, Tokens.Where(t => chains.Select(a => a.Id).Contains(t.Authorization!.Id)), token);

            // The chains this call revoked (its stamp marks them): tokens of chains begun after it carry other ids.
            var revoked = counts.Authorizations == 0 ? [] : await Authorizations
                .Where(a => a.Subject == userId && a.ConcurrencyToken == stamp).Select(a => a.Id!).Take(MaxListedSessions + 1).ToListAsync(token);
            await events.UserRevokedAsync(userId, reason, revoked.Count > MaxListedSessions ? null : revoked, token);
            return counts with { BrowserSessions = ended };
        }, cancellationToken);

    /// <summary>
    /// Everything issued to the client; the event (for the feed's receivers) and the stamp (for the admin API and the feed
    /// itself) also cover its client-credentials access tokens, which have no rows.
    /// </summary>
    public Task<RevocationCounts> RevokeClientAsync(string clientId, CancellationToken cancellationToken) =>
        UnitOfWork.RunAsync(db, async token =>
        {
            var (counts, _) = await RevokeAsync(
                Authorizations.Where(a => a.Application!.ClientId == clientId), Tokens.Where(t => t.Application!.ClientId == clientId), token);
            await ClientRevocationStamp.WriteAsync(db, clientId, clock.GetUtcNow(), token);
            await events.ClientRevokedAsync(clientId, "operator", token);
            return counts;
        }, cancellationToken);

    /// <summary>One grant chain (an authorization and every token of it); <paramref name="reason"/> goes to the revocation feed.</summary>
    public Task<RevocationCounts> RevokeSessionAsync(string authorizationId, string reason, CancellationToken cancellationToken) =>
        UnitOfWork.RunAsync(db, async token =>
        {
            var (counts, _) = await RevokeAsync(Authorizations.Where(a => a.Id == authorizationId), Tokens.Where(t => t.Authorization!.Id == authorizationId), token);
            if (counts.Authorizations > 0 && await Authorizations.Where(a => a.Id == authorizationId).Select(a => a.Subject).FirstOrDefaultAsync(token) is { } subject)
            {
                await events.SessionRevokedAsync(subject, authorizationId, reason, token);
            }

            return counts;
        }, cancellationToken);

    /// <summary>
    /// A redeemed refresh token or code presented again (RFC 9700 §4.14.2): the whole chain ends as one unit of work with its
    /// feed event. Tokens OpenIddict already marked revoked are stamped again: its own bulk revocation keeps their concurrency
    /// token, which would let a refresh of the same chain already under way redeem its token and mint a live successor.
    /// </summary>
    public Task<RevocationCounts> RevokeReplayedChainAsync(string authorizationId, string subject, string reason, CancellationToken cancellationToken) =>
        UnitOfWork.RunAsync(db, async token =>
        {
            var (counts, _) = await RevokeAsync(
                Authorizations.Where(a => a.Id == authorizationId), Tokens.Where(t => t.Authorization!.Id == authorizationId), token, restampRevoked: true);
            await events.SessionRevokedAsync(subject, authorizationId, reason, token);
            return counts;
        }, cancellationToken);

    public async Task<RevocationCounts> RevokeAuthorizationsAsync(IQueryable<string> authorizationIds, CancellationToken cancellationToken) => (await RevokeAsync(
        Authorizations.Where(a => authorizationIds.Contains(a.Id!)),
        Tokens.Where(t => authorizationIds.Contains(t.Authorization!.Id!)),
        cancellationToken)).Counts;

    /// <summary>Past this many, the event lists no chains and receivers refuse the user's tokens by issue time (SharedSignals:MaxSessionsPerEvent caps it lower).</summary>
    private const int MaxListedSessions = 1_000;

    private static async Task<(RevocationCounts Counts, string Stamp)> RevokeAsync(
        IQueryable<OpenIddictEntityFrameworkCoreAuthorization> authorizations,
        IQueryable<OpenIddictEntityFrameworkCoreToken> tokens,
        CancellationToken cancellationToken,
        bool restampRevoked = false)
    {
        // A new concurrency token makes any in-flight OpenIddict update of these rows (a redemption racing
        // this revocation) fail its optimistic check instead of silently bringing a token back to life.
        var stamp = Guid.NewGuid().ToString();
        var revokedAuthorizations = await authorizations
            .Where(a => a.Status == Statuses.Valid)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, Statuses.Revoked).SetProperty(a => a.ConcurrencyToken, stamp), cancellationToken);

        // Redeemed tokens are included: inside the reuse leeway a redeemed refresh token can still be redeemed.
        var revokedTokens = await tokens
            .Where(t => restampRevoked || t.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, Statuses.Revoked).SetProperty(t => t.ConcurrencyToken, stamp), cancellationToken);

        return (new RevocationCounts(revokedTokens, revokedAuthorizations), stamp);
    }
}
