using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AuthServer.BackchannelLogout;
using AuthServer.Persistence;
using AuthServer.Revocation;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Tests;

/// <summary>
/// OIDC Back-Channel Logout 1.0 (docs/architecture.md): whatever ends a browser session queues a logout token for every
/// client that took part in it; a background sender delivers it to the client's real endpoint, retries, and never holds
/// up the request that ended the session.
/// </summary>
public sealed class BackchannelLogoutTests(BackchannelLogoutServerFactory server) : IClassFixture<BackchannelLogoutServerFactory>
{
    /// <summary>The test clock's move per 50 ms round while waiting on the sender: a second per 100 ms of real time.</summary>
    private static readonly TimeSpan SenderStep = TimeSpan.FromMilliseconds(500);

    private readonly AdminClient _admin = new(server.CreateClient());

    public static TheoryData<string> Endings => ["logout", "revoke-session", "lock", "password-change", "delete"];

    [Fact]
    public async Task Discovery_advertises_back_channel_logout_with_session_ids()
    {
        using var http = server.CreateClient();
        var discovery = JsonDocument.Parse(await http.GetStringAsync(Endpoints.Discovery, TestContext.Current.CancellationToken)).RootElement;

        Assert.True(discovery.GetProperty("backchannel_logout_supported").GetBoolean());
        Assert.True(discovery.GetProperty("backchannel_logout_session_supported").GetBoolean());
    }

    [Fact]
    public async Task Revoking_a_user_sends_one_valid_logout_token_per_live_session()
    {
        var user = await server.CreateUserAsync();
        using var laptop = new BrowserClient(server);
        using var phone = new BrowserClient(server);
        var sids = new[]
        {
            SidOf((await laptop.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed()),
            SidOf((await phone.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed()),
        };

        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");

        var tokens = await DeliveredAsync(sids);
        foreach (var sid in sids)
        {
            var token = Assert.Single(tokens, t => t.GetClaim("sid").Value == sid);
            await AssertValidLogoutTokenAsync(token, user, sid);
        }

        // Three more of the sender's rounds: no second notice for either session.
        var later = server.Clock.GetUtcNow() + TimeSpan.FromSeconds(3);
        await Eventually.TrueAsync(() => server.Clock.GetUtcNow() > later, "The test clock did not move three rounds on", advancing: server.Clock, step: SenderStep);
        Assert.Equal(2, TokensFor(sids).Count);
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task Each_way_a_session_ends_notifies_the_client_that_took_part(string ending)
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var sid = SidOf(tokens);

        await EndAsync(ending, browser, tokens, user);

        var token = Assert.Single(await DeliveredAsync([sid]));
        await AssertValidLogoutTokenAsync(token, user, sid);
    }

    [Fact]
    public async Task A_receiver_that_fails_first_gets_the_notice_again_after_the_back_off()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var sid = SidOf((await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed());
        var failures = 0;
        server.Receiver.Answer = context => Task.FromResult(
            IsFor(context, sid) && Interlocked.Increment(ref failures) == 1 ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Ok());

        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");
        await DeliveredAsync([sid]);

        var notice = await NoticeAsync(sid);
        Assert.NotNull(notice.DeliveredAt);
        Assert.Equal(2, notice.Attempts);
        Assert.Equal(2, TokensFor([sid]).Count);
        Assert.Contains(server.LogEvents, e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("2015", StringComparison.Ordinal));
        Assert.Contains(server.LogEvents, e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("2014", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Senders_polling_at_once_send_each_notice_once()
    {
        var user = await server.CreateUserAsync();
        List<string> sids = [];
        for (var i = 0; i < 3; i++)
        {
            using var browser = new BrowserClient(server);
            sids.Add(SidOf((await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed()));
        }

        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");

        // Four pollers over the same due rows, as four instances would be: each attempt goes to whoever claims it first.
        var sender = server.Services.GetServices<IHostedService>().OfType<LogoutNoticeSender>().Single();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => sender.SendDueAsync(CancellationToken.None)));

        Assert.All(sids, sid => Assert.Single(TokensFor([sid])));
        Assert.Equal(3, await server.WithDbAsync(db => db.BackchannelLogoutNotices.CountAsync(n => sids.Contains(n.SessionId) && n.DeliveredAt != null && n.Attempts == 1)));
    }

    [Fact]
    public async Task Pruning_removes_notices_delivered_or_abandoned_before_the_retention_and_keeps_pending_ones()
    {
        var old = server.Clock.GetUtcNow().UtcDateTime - TimeSpan.FromDays(15);
        BackchannelLogoutNotice Notice(string sid, DateTime? delivered, DateTime? abandoned) => new()
        {
            Id = Guid.NewGuid(), ClientId = TokenClient.Spa, Uri = server.Receiver.Uri.AbsoluteUri, Subject = "pruned-user", SessionId = sid,
            CreatedAt = old, NextAttemptAt = old.AddYears(10), DeliveredAt = delivered, AbandonedAt = abandoned,
        };
        string[] sids = ["p-delivered", "p-abandoned", "p-pending", "p-recent"];
        await server.WithDbAsync(db =>
        {
            db.BackchannelLogoutNotices.AddRange(
                Notice(sids[0], old, null), Notice(sids[1], null, old), Notice(sids[2], null, null), Notice(sids[3], server.Clock.GetUtcNow().UtcDateTime, null));
            return db.SaveChangesAsync();
        });

        using (var scope = server.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<TokenPruner>().PruneAsync(CancellationToken.None);
        }

        var left = await server.WithDbAsync(db => db.BackchannelLogoutNotices.Where(n => sids.Contains(n.SessionId)).Select(n => n.SessionId).ToListAsync());
        Assert.Equal(["p-pending", "p-recent"], left.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_hanging_receiver_never_delays_the_request_that_ended_the_session()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var sid = SidOf(tokens);
        server.Receiver.Answer = async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
            return Results.Ok();
        };

        try
        {
            var watch = Stopwatch.StartNew();
            await EndAsync("logout", browser, tokens, user);
            watch.Stop();

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"Ending the session took {watch.Elapsed}.");
            Assert.Null((await NoticeAsync(sid)).DeliveredAt);

            // The sender meets the hang instead, gives up on it after its timeout and schedules a retry.
            await Eventually.TrueAsync(async () => (await NoticeAsync(sid)).LastError is not null, "The sender never gave up on the hanging receiver", advancing: server.Clock, step: SenderStep, within: TimeSpan.FromSeconds(15));
            Assert.Equal("Timeout", (await NoticeAsync(sid)).LastError);
        }
        finally
        {
            server.Receiver.Answer = _ => Task.FromResult(Results.Ok());
        }
    }

    private Task<BackchannelLogoutNotice> NoticeAsync(string sid) =>
        server.WithDbAsync(db => db.BackchannelLogoutNotices.AsNoTracking().SingleAsync(n => n.SessionId == sid));

    private static string SidOf(TokenResponse tokens) => new JsonWebToken(tokens.Get("id_token")).GetClaim("sid").Value;

    private static bool IsFor(HttpContext context, string sid) =>
        context.Request.Form["logout_token"].ToString() is { Length: > 0 } token && new JsonWebToken(token).GetClaim("sid").Value == sid;

    private List<JsonWebToken> TokensFor(string[] sids) =>
        [.. server.Receiver.Received.Select(t => new JsonWebToken(t)).Where(t => sids.Contains(t.GetClaim("sid").Value))];

    /// <summary>Moves the test clock past the sender's poll (and any back-off) until every session's notice is delivered.</summary>
    private async Task<List<JsonWebToken>> DeliveredAsync(string[] sids)
    {
        await Eventually.TrueAsync(
            async () => await server.WithDbAsync(db => db.BackchannelLogoutNotices.AsNoTracking()
                .CountAsync(n => sids.Contains(n.SessionId) && n.DeliveredAt != null)) >= sids.Length,
            "Not every notice was delivered",
            advancing: server.Clock,
            step: SenderStep,
            within: TimeSpan.FromSeconds(20));
        return TokensFor(sids);
    }

    private async Task AssertValidLogoutTokenAsync(JsonWebToken token, IdentityUser user, string sid)
    {
        using var http = server.CreateClient();
        var jwks = new JsonWebKeySet(await http.GetStringAsync(Endpoints.Jwks));
        var discovery = JsonDocument.Parse(await http.GetStringAsync(Endpoints.Discovery)).RootElement;
        var now = server.Clock.GetUtcNow().UtcDateTime;

        // Back-Channel Logout 1.0 §2.6: what a client checks before acting on the token.
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token.EncodedToken, new TokenValidationParameters
        {
            ValidIssuer = discovery.GetProperty("issuer").GetString(),
            ValidAudience = TokenClient.Spa,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = ["logout+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            LifetimeValidator = (notBefore, expires, _, _) => expires > now && (notBefore is null || notBefore <= now),
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(user.Id, token.Subject);
        Assert.Equal(sid, token.GetClaim("sid").Value);
        Assert.False(string.IsNullOrEmpty(token.Id));
        Assert.True(token.ValidTo - token.IssuedAt <= TimeSpan.FromMinutes(2));
        Assert.False(token.TryGetPayloadValue<string>("nonce", out _));
        var events = JsonDocument.Parse(token.GetClaim("events").Value).RootElement;
        Assert.Equal(JsonValueKind.Object, events.GetProperty("http://schemas.openid.net/event/backchannel-logout").ValueKind);
    }

    private async Task EndAsync(string ending, BrowserClient browser, TokenResponse tokens, IdentityUser user)
    {
        switch (ending)
        {
            case "logout":
                using (var logout = await browser.GetAsync($"{Endpoints.EndSession}?id_token_hint={tokens.Get("id_token")}"))
                {
                    Assert.True(logout.IsSuccessStatusCode || logout.StatusCode == HttpStatusCode.Redirect, $"Logout answered {logout.StatusCode}.");
                }

                break;
            default:
                await AccountEndings.ApplyAsync(ending, server, _admin, user, () => Task.FromResult(SidOf(tokens)));
                break;
        }
    }
}
