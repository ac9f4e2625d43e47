using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Tests;

/// <summary>One test per class: the prune counts are exact, so no other test may add rows to this database.</summary>
public sealed class PruningTests : IClassFixture<PruningTests.Server>
{
    private static readonly TimeSpan PastRetention = TimeSpan.FromDays(14) + TimeSpan.FromHours(1);
    private readonly Server _server;
    private readonly TokenClient _client;
    private readonly AdminClient _admin;

    public PruningTests(Server server)
    {
        _server = server;
        _client = new(server.CreateClient());
        _admin = new(server.CreateClient());
    }

    [Fact]
    public async Task Prune_deletes_exactly_the_old_dead_rows_and_replay_detection_still_works_for_live_chains()
    {
        // Old rows: a valid-but-expired session, an admin-revoked one, and a rotated chain (redeemed + valid, both expired).
        var expired = await _server.CreateUserAsync();
        (await _client.PasswordAsync(expired.UserName!, TestUsers.Password)).ShouldSucceed();
        var revoked = await _server.CreateUserAsync();
        (await _client.PasswordAsync(revoked.UserName!, TestUsers.Password)).ShouldSucceed();
        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{revoked.Id}/revoke-tokens");
        var rotated = await _server.CreateUserAsync();
        var old = (await _client.PasswordAsync(rotated.UserName!, TestUsers.Password)).ShouldSucceed();
        (await _client.RefreshAsync(old.RefreshToken!)).ShouldSucceed();

        _server.Clock.Advance(PastRetention);

        // Recent rows: a live rotated chain and a freshly revoked session, both younger than the retention.
        var live = await _server.CreateUserAsync();
        var first = (await _client.PasswordAsync(live.UserName!, TestUsers.Password)).ShouldSucceed();
        var second = (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        var recent = await _server.CreateUserAsync();
        (await _client.PasswordAsync(recent.UserName!, TestUsers.Password)).ShouldSucceed();
        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{recent.Id}/revoke-tokens");

        var counts = await _admin.OkAsync(HttpMethod.Post, "/admin/prune");

        Assert.Equal(4, counts.GetProperty("tokens").GetInt64());
        Assert.Equal(3, counts.GetProperty("authorizations").GetInt64());
        Assert.Equal(0, await RowsAsync(expired.Id) + await RowsAsync(revoked.Id) + await RowsAsync(rotated.Id));
        Assert.Equal(2, await RowsAsync(live.Id));
        Assert.Equal(1, await RowsAsync(recent.Id));
        Assert.Equal(0, (await _admin.OkAsync(HttpMethod.Post, "/admin/prune")).GetProperty("tokens").GetInt64());

        _server.Clock.Advance(TimeSpan.FromSeconds(31));
        (await _client.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(second.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Contains(_server.LogEvents, e => LogEventIds.Of(e) == 2005 && e.RenderMessage().Contains(live.Id, StringComparison.Ordinal));
    }

    private Task<int> RowsAsync(string subject) =>
        _server.WithDbAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Subject == subject));

    public sealed class Server : AuthServerFactory
    {
        // The schedule is tested on its own; here only the on-demand run may delete, so its counts are exact.
        public Server() => Set("Pruning:Enabled", "false");
    }
}

public sealed class ScheduledPruningTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    [Fact]
    public async Task The_background_service_prunes_when_the_clock_passes_the_interval()
    {
        var client = new TokenClient(server.CreateClient());
        var user = await server.CreateUserAsync();
        (await client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        server.Clock.Advance(TimeSpan.FromDays(15));

        await Eventually.TrueAsync(async () => await Rows() == 0, "The pruner never removed the expired rows", TimeSpan.FromSeconds(20));
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2010);

        Task<int> Rows() => server.WithDbAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Subject == user.Id));
    }
}
