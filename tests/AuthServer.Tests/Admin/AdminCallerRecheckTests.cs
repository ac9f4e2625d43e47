using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AuthServer.SharedSignals;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Tests;

/// <summary>
/// The admin API and the feed re-check their caller on every request. Each attack keeps using a token
/// it already holds, in parallel loops, while an honest operator (the `ops` client) ends what the token was issued on;
/// every request the attacker starts after that answer must be refused.
/// </summary>
public sealed class AdminCallerRecheckTests(AdminCallerRecheckTests.Server server, ITestOutputHelper output) : IClassFixture<AdminCallerRecheckTests.Server>
{
    private const int Trials = 3;
    private const int Loops = 3;

    /// <summary>Requests each loop sends after the revocation; with the warm-up and the deadline, this bounds every race.</summary>
    private const int ShotsAfterRevocation = 10;

    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private readonly TokenClient _client = new(server.CreateClient());
    private readonly AdminClient _operator = new(server.CreateClient());

    public static TheoryData<string> Endings => ["lock", "demote", "revoke-tokens", "password-reset", "delete"];

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task An_admin_whose_account_ends_loses_the_admin_api_at_once_even_while_racing_it(string ending)
    {
        for (var trial = 1; trial <= Trials; trial++)
        {
            var admin = await server.CreateUserAsync();
            await server.WithUsersAsync(async users => Assert.True((await users.AddToRoleAsync((await users.FindByIdAsync(admin.Id))!, "admin")).Succeeded));
            var token = (await _client.PasswordAsync(admin.UserName!, TestUsers.Password, "ops")).ShouldSucceed().AccessToken!;

            var race = await RaceAsync(
                [
                    () => SendAsync(HttpMethod.Get, "/admin/users?pageSize=1", token),
                    () => SendAsync(HttpMethod.Post, $"/admin/users/{admin.Id}/unlock", token),
                    () => SendAsync(HttpMethod.Get, $"/admin/users/{admin.Id}/sessions", token),
                ],
                () => EndAsync(ending, admin));

            Report($"{ending} trial {trial}", race);
            race.ShouldHoldAfterRevocation();
            Assert.All(race.After, status => Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{ending}: {(int)status}"));
        }
    }

    [Fact]
    public async Task A_locked_admin_cannot_unlock_themselves_with_the_token_they_hold()
    {
        var admin = await server.CreateUserAsync();
        await server.WithUsersAsync(async users => Assert.True((await users.AddToRoleAsync((await users.FindByIdAsync(admin.Id))!, "admin")).Succeeded));
        var token = (await _client.PasswordAsync(admin.UserName!, TestUsers.Password, "ops")).ShouldSucceed().AccessToken!;

        await _operator.OkAsync(HttpMethod.Post, $"/admin/users/{admin.Id}/lock");
        var (status, body) = await _operator.SendAsync(HttpMethod.Post, $"/admin/users/{admin.Id}/unlock", accessToken: token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(401, body.GetProperty("status").GetInt32());
        Assert.True((await _operator.OkAsync(HttpMethod.Get, $"/admin/users/{admin.Id}")).GetProperty("lockedOut").GetBoolean());
    }

    [Fact]
    public async Task An_admin_token_from_the_browser_dies_with_its_browser_session_even_if_its_grant_row_was_missed()
    {
        using var browser = new BrowserClient(server);
        var pkce = Pkce.Create();
        var callback = await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce, extra: new Dictionary<string, string> { ["scope"] = "openid ops" }), "alice", TestUsers.AlicePassword);
        var token = (await browser.RedeemAsync(BrowserClient.QueryOf(callback)["code"], pkce.Verifier)).ShouldSucceed().AccessToken!;
        var sessionId = AccessTokenBehaviour.Payload(token)["sid"].GetString();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, "/admin/users?pageSize=1", token));

        // The session row ends but its grant stays valid: what a grant attached while the session was ending leaves behind.
        await server.WithDbAsync(db => db.BrowserSessions.Where(s => s.Id == sessionId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, server.Clock.GetUtcNow().UtcDateTime).SetProperty(x => x.EndReason, "logout")));

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(HttpMethod.Get, "/admin/users?pageSize=1", token));
    }

    [Fact]
    public async Task An_ops_token_dies_when_everything_issued_to_its_client_is_revoked_and_cannot_rotate_a_secret_even_while_racing()
    {
        for (var trial = 1; trial <= Trials; trial++)
        {
            // By issue time, to the second (as the feed's receivers judge it): the robot's next token is a second younger.
            server.Clock.Advance(TimeSpan.FromSeconds(1));
            var token = (await RobotTokenAsync()).ShouldSucceed().AccessToken!;

            var race = await RaceAsync(
                [
                    () => SendAsync(HttpMethod.Get, "/admin/users?pageSize=1", token),
                    () => SendAsync(HttpMethod.Post, $"/admin/clients/{Server.Target}/rotate-secret", token, new { overlapMinutes = 0 }),
                    () => SendAsync(HttpMethod.Post, "/admin/prune", token),
                ],
                () => _operator.OkAsync(HttpMethod.Post, $"/admin/clients/{Server.Robot}/revoke-tokens"));

            Report($"client revoke trial {trial}", race);
            race.ShouldHoldAfterRevocation();
            Assert.All(race.After, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        }

        // The client itself lives on: a token issued after the revocation works.
        server.Clock.Advance(TimeSpan.FromSeconds(1));
        var later = (await RobotTokenAsync()).ShouldSucceed().AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, "/admin/users?pageSize=1", later));
    }

    [Fact]
    public async Task A_feed_token_dies_when_everything_issued_to_its_client_is_revoked_even_while_racing()
    {
        for (var trial = 1; trial <= Trials; trial++)
        {
            server.Clock.Advance(TimeSpan.FromSeconds(1));
            var feed = new FeedClient(server.CreateClient());
            var token = await feed.TokenAsync();
            await feed.CreateStreamAsync();

            var race = await RaceAsync(
                [
                    () => SendAsync(HttpMethod.Get, SharedSignalsEndpoints.Streams, token),
                    () => SendAsync(HttpMethod.Post, feed.PollEndpoint!.PathAndQuery, token, new { returnImmediately = true }),
                ],
                () => _operator.OkAsync(HttpMethod.Post, $"/admin/clients/{feed.ClientId}/revoke-tokens"));

            Report($"feed client revoke trial {trial}", race);
            race.ShouldHoldAfterRevocation();
            Assert.All(race.After, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        }
    }

    [Fact]
    public async Task A_token_with_the_ops_scope_for_another_audience_is_refused_by_the_admin_api()
    {
        using var misconfigured = new AdminServerFactory();
        misconfigured.Set("Catalog:Scopes:ops:Resources:0", "authserver-ssf");
        var client = new TokenClient(misconfigured.CreateClient());
        var token = (await client.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        Assert.DoesNotContain("authserver-admin", AccessTokenBehaviour.Payload(token)["aud"].ToString(), StringComparison.Ordinal);
        Assert.Equal("ops", AccessTokenBehaviour.Payload(token)["scope"].GetString());

        var (status, body) = await new AdminClient(client.Http).SendAsync(HttpMethod.Get, "/admin/users", accessToken: token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_token", body.GetProperty("error").GetString());
    }

    private Task<TokenResponse> RobotTokenAsync() => _client.PostAsync(new()
    {
        ["grant_type"] = "client_credentials", ["client_id"] = Server.Robot, ["client_secret"] = Server.RobotSecret, ["scope"] = "ops",
    });

    private async Task EndAsync(string ending, Microsoft.AspNetCore.Identity.IdentityUser admin)
    {
        switch (ending)
        {
            case "lock":
                await _operator.OkAsync(HttpMethod.Post, $"/admin/users/{admin.Id}/lock");
                break;
            case "demote":
                // Revocation:RevokeOnRoleChange is off: nothing is revoked, only the role is gone.
                await server.WithUsersAsync(async users => Assert.True((await users.RemoveFromRoleAsync((await users.FindByIdAsync(admin.Id))!, "admin")).Succeeded));
                break;
            case "revoke-tokens":
                await _operator.OkAsync(HttpMethod.Post, $"/admin/users/{admin.Id}/revoke-tokens");
                break;
            case "password-reset":
                await _operator.OkAsync(HttpMethod.Post, $"/admin/users/{admin.Id}/reset-password", new { password = "Reset-By-Operator-1" });
                break;
            case "delete":
                await _operator.OkAsync(HttpMethod.Delete, $"/admin/users/{admin.Id}");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(ending), ending, "No such ending.");
        }
    }

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await _client.Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>
    /// The attacker's loops run until each has sent <see cref="ShotsAfterRevocation"/> requests begun after the
    /// operator's answer (or the deadline passes); the operator acts once the loops have had a few answers.
    /// </summary>
    private static async Task<Race> RaceAsync(IReadOnlyList<Func<Task<HttpStatusCode>>> loops, Func<Task> revoke)
    {
        var clock = Stopwatch.StartNew();
        var revokedAt = long.MaxValue;
        var before = new ConcurrentQueue<HttpStatusCode>();
        var after = new ConcurrentQueue<HttpStatusCode>();
        var attackers = loops.Select(send => Task.Run(async () =>
        {
            var sentAfter = 0;
            while (sentAfter < ShotsAfterRevocation && clock.Elapsed < s_deadline)
            {
                var startedAfter = clock.ElapsedTicks > Interlocked.Read(ref revokedAt);
                var status = await send();
                (startedAfter ? after : before).Enqueue(status);
                sentAfter += startedAfter ? 1 : 0;
            }
        })).ToList();

        await Eventually.TrueAsync(() => before.Count >= 2 * loops.Count, "The attacker's loops had no answers before the revocation", s_deadline - clock.Elapsed);

        await revoke();
        Interlocked.Exchange(ref revokedAt, clock.ElapsedTicks);
        await Task.WhenAll(attackers);
        return new Race([.. before], [.. after], clock.Elapsed);
    }

    private void Report(string name, Race race) => output.WriteLine(
        $"{name}: {race.Before.Count} requests before the revocation ({race.Before.Count(IsSuccess)} succeeded), "
        + $"{race.After.Count} after ({race.After.Count(IsSuccess)} succeeded; statuses {string.Join(", ", race.After.Distinct().Select(s => (int)s))}), {race.Elapsed.TotalSeconds:0.0} s");

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;

    private sealed record Race(IReadOnlyList<HttpStatusCode> Before, IReadOnlyList<HttpStatusCode> After, TimeSpan Elapsed)
    {
        public void ShouldHoldAfterRevocation()
        {
            Assert.DoesNotContain(Before.Concat(After), status => (int)status >= 500);
            Assert.True(Before.Any(IsSuccess), "The token never worked, so the race proves nothing.");
            Assert.True(After.Count > 0, "No request was sent after the revocation.");
            Assert.True(!After.Any(IsSuccess), $"{After.Count(IsSuccess)} of {After.Count} requests sent after the revocation succeeded.");
        }
    }

    /// <summary>The admin server plus the attacker's own operator client (`robot`) and a confidential client whose secret it tries to rotate.</summary>
    public sealed class Server : AuthServerFactory
    {
        public const string Robot = "robot";
        public const string RobotSecret = "robot-test-secret";
        public const string Target = "target";

        public Server()
        {
            Set($"Catalog:Clients:{Robot}:ClientSecret", RobotSecret);
            Set($"Catalog:Clients:{Robot}:GrantTypes:0", "client_credentials");
            Set($"Catalog:Clients:{Robot}:Scopes:0", "ops");
            Set($"Catalog:Clients:{Target}:ClientSecret", "target-test-secret");
            Set($"Catalog:Clients:{Target}:GrantTypes:0", "client_credentials");
            Set($"Catalog:Clients:{Target}:Scopes:0", "api");
        }
    }
}
