using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Tests.Storage;

/// <summary>
/// The pruning rule on the test clock (docs/configuration.md#pruning): a redeemed refresh token stays exactly until it
/// expires, so its replay is detected right up to then; every other entry stays for the audit retention after expiry.
/// One server per class and on-demand prunes only, so the counts are exact.
/// </summary>
public sealed class PruningRuleTests
{
    private static readonly TimeSpan AuditRetention = TimeSpan.FromDays(1);

    [Fact]
    public async Task A_redeemed_token_is_kept_until_it_expires_and_its_replay_then_still_revokes_the_chain()
    {
        using var server = Server();
        var client = server.CreateTokenClient();
        var admin = new AdminClient(server.CreateClient());
        var user = await server.CreateUserAsync();
        var first = (await client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var second = (await client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        var redeemed = await server.WithDbAsync(db => Tokens(db, user.Id).SingleAsync(t => t.Status == Statuses.Redeemed));
        var chain = await server.WithDbAsync(db => Tokens(db, user.Id).Select(t => t.Authorization!.Id).FirstAsync());

        // Two seconds before the redeemed token expires: pruning leaves everything its replay detection needs.
        server.Clock.Advance(redeemed.ExpirationDate!.Value - server.Clock.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(2));
        Assert.Equal(0, (await admin.OkAsync(HttpMethod.Post, "/admin/prune")).GetProperty("tokens").GetInt64());
        Assert.Equal(2, await server.WithDbAsync(db => Tokens(db, user.Id).CountAsync()));
        Assert.True(await server.WithDbAsync(db => db.Set<OpenIddictEntityFrameworkCoreAuthorization>().AnyAsync(a => a.Id == chain && a.Status == Statuses.Valid)));

        (await client.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2005 && e.RenderMessage().Contains(user.Id, StringComparison.Ordinal));
        (await client.RefreshAsync(second.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");

        // The revoked chain is audit material now: kept for the retention after expiry, then gone.
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await admin.OkAsync(HttpMethod.Post, "/admin/prune")).GetProperty("tokens").GetInt64());
        server.Clock.Advance(AuditRetention);
        var counts = await admin.OkAsync(HttpMethod.Post, "/admin/prune");
        Assert.Equal(2, counts.GetProperty("tokens").GetInt64());
        Assert.Equal(1, counts.GetProperty("authorizations").GetInt64());
    }

    [Fact]
    public async Task Redeemed_rows_go_at_their_expiry_and_others_after_the_audit_retention_which_may_be_shorter_than_the_lifetime()
    {
        using var server = Server();
        var client = server.CreateTokenClient();
        var admin = new AdminClient(server.CreateClient());
        var user = await server.CreateUserAsync();
        var first = (await client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        server.Clock.Advance(TimeSpan.FromHours(1));
        var second = (await client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        var redeemed = await server.WithDbAsync(db => Tokens(db, user.Id).SingleAsync(t => t.Status == Statuses.Redeemed));
        var live = await server.WithDbAsync(db => Tokens(db, user.Id).SingleAsync(t => t.Status == Statuses.Valid));

        // Just past the redeemed token's expiry: it goes, alone; the live token of its chain (an hour younger) stays usable.
        server.Clock.Advance(redeemed.ExpirationDate!.Value - server.Clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await admin.OkAsync(HttpMethod.Post, "/admin/prune")).GetProperty("tokens").GetInt64());
        Assert.Equal(new[] { live.Id }, await server.WithDbAsync(db => Tokens(db, user.Id).Select(t => t.Id).ToListAsync()));
        var third = (await client.RefreshAsync(second.RefreshToken!)).ShouldSucceed();

        // A token that simply expired (never redeemed) stays for the audit retention after its expiry, not a second less.
        var lastRedeemed = await server.WithDbAsync(db => Tokens(db, user.Id).SingleAsync(t => t.Status == Statuses.Redeemed));
        var lastExpiry = await server.WithDbAsync(db => Tokens(db, user.Id).Where(t => t.Status == Statuses.Valid).Select(t => t.ExpirationDate!.Value).SingleAsync());
        server.Clock.Advance(lastExpiry - server.Clock.GetUtcNow().UtcDateTime + AuditRetention - TimeSpan.FromSeconds(2));
        var beforeRetention = await admin.OkAsync(HttpMethod.Post, "/admin/prune");
        Assert.Equal(1, beforeRetention.GetProperty("tokens").GetInt64()); // the second token, redeemed and expired
        Assert.False(await server.WithDbAsync(db => Tokens(db, user.Id).AnyAsync(t => t.Id == lastRedeemed.Id)));
        Assert.Equal(1, await server.WithDbAsync(db => Tokens(db, user.Id).CountAsync()));

        server.Clock.Advance(TimeSpan.FromSeconds(4));
        var afterRetention = await admin.OkAsync(HttpMethod.Post, "/admin/prune");
        Assert.Equal(1, afterRetention.GetProperty("tokens").GetInt64());
        Assert.Equal(1, afterRetention.GetProperty("authorizations").GetInt64());
        Assert.Equal(0, await server.WithDbAsync(db => Tokens(db, user.Id).CountAsync()));
        (await client.RefreshAsync(third.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    private static IQueryable<OpenIddictEntityFrameworkCoreToken> Tokens(Persistence.AuthDbContext db, string subject) =>
        db.Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking().Where(t => t.Subject == subject);

    // A retention shorter than the 7-day refresh token lifetime is accepted: it no longer decides when redeemed rows go.
    private static AuthServerFactory Server() => new AuthServerFactory()
        .Set("Pruning:Enabled", "false")
        .Set("Pruning:Retention", AuditRetention.ToString());
}
