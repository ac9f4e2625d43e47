using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Revocation;

/// <summary>How many rows one revocation turned from live to revoked (or ended, for browser sessions).</summary>
public sealed record RevocationCounts(int Tokens, int Authorizations, int BrowserSessions = 0);

/// <summary>
/// Bulk revocation by user, client or session: one UPDATE per table whatever the number of rows, so revoking
/// a user with ten thousand refresh tokens costs two statements. Authorizations go first: once a chain's
/// authorization is revoked, OpenIddict refuses any token of it, even one minted between the two statements.
/// </summary>
public sealed class TokenRevoker(AuthDbContext db, TimeProvider clock)
{
    private IQueryable<OpenIddictEntityFrameworkCoreToken> Tokens => db.Set<OpenIddictEntityFrameworkCoreToken>();

    private IQueryable<OpenIddictEntityFrameworkCoreAuthorization> Authorizations => db.Set<OpenIddictEntityFrameworkCoreAuthorization>();

    /// <summary>Everything the user holds: refresh-token chains, and the browser sessions that could mint new ones.</summary>
    /// <remarks>One unit of work: each live session ended queues its back-channel logout notices with it.</remarks>
    public Task<RevocationCounts> RevokeUserAsync(string userId, string reason, CancellationToken cancellationToken) =>
        UnitOfWork.RunAsync(db, async token =>
        {
            var ended = await Sessions.BrowserSessions.End(db, db.BrowserSessions.Where(s => s.UserId == userId), reason, clock.GetUtcNow().UtcDateTime, token);
            var counts = await RevokeAsync(Authorizations.Where(a => a.Subject == userId), Tokens.Where(t => t.Subject == userId), token);
            return counts with { BrowserSessions = ended };
        }, cancellationToken);

    public Task<RevocationCounts> RevokeClientAsync(string clientId, CancellationToken cancellationToken) => RevokeAsync(
        Authorizations.Where(a => a.Application!.ClientId == clientId),
        Tokens.Where(t => t.Application!.ClientId == clientId),
        cancellationToken);

    public Task<RevocationCounts> RevokeSessionAsync(string authorizationId, CancellationToken cancellationToken) => RevokeAsync(
        Authorizations.Where(a => a.Id == authorizationId),
        Tokens.Where(t => t.Authorization!.Id == authorizationId),
        cancellationToken);

    public Task<RevocationCounts> RevokeAuthorizationsAsync(IQueryable<string> authorizationIds, CancellationToken cancellationToken) => RevokeAsync(
        Authorizations.Where(a => authorizationIds.Contains(a.Id!)),
        Tokens.Where(t => authorizationIds.Contains(t.Authorization!.Id!)),
        cancellationToken);

    private static async Task<RevocationCounts> RevokeAsync(
        IQueryable<OpenIddictEntityFrameworkCoreAuthorization> authorizations,
        IQueryable<OpenIddictEntityFrameworkCoreToken> tokens,
        CancellationToken cancellationToken)
    {
        // A new concurrency token makes any in-flight OpenIddict update of these rows (a redemption racing
        // this revocation) fail its optimistic check instead of silently bringing a token back to life.
        var stamp = Guid.NewGuid().ToString();
        var revokedAuthorizations = await authorizations
            .Where(a => a.Status == Statuses.Valid)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, Statuses.Revoked).SetProperty(a => a.ConcurrencyToken, stamp), cancellationToken);

        // Redeemed tokens are included: inside the reuse leeway a redeemed refresh token can still be redeemed.
        var revokedTokens = await tokens
            .Where(t => t.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, Statuses.Revoked).SetProperty(t => t.ConcurrencyToken, stamp), cancellationToken);

        return new RevocationCounts(revokedTokens, revokedAuthorizations);
    }
}
