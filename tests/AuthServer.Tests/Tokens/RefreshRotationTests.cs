using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Tests;

/// <summary>Rotation, replay detection and concurrent redemption of refresh tokens. Runs on SQLite here and on SQL Server in AuthServer.SqlServer.Tests.</summary>
public sealed class RefreshRotationTests(AuthServerFactory server) : RefreshRotationBehaviour(server), IClassFixture<AuthServerFactory>;

/// <summary>The tests, written once for every provider; a subclass chooses the server (and so the database).</summary>
public abstract class RefreshRotationBehaviour(AuthServerFactory server)
{
    private static readonly TimeSpan PastLeeway = TimeSpan.FromSeconds(31);
    private readonly TokenClient _client = server.CreateTokenClient();

    [Fact]
    public async Task Every_redemption_returns_a_new_refresh_token_and_a_valid_access_token()
    {
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var second = (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        var third = (await _client.RefreshAsync(second.RefreshToken!)).ShouldSucceed();

        Assert.Equal(3, new[] { first.RefreshToken, second.RefreshToken, third.RefreshToken }.Distinct().Count());

        // OpenID Connect Core §12.2: the identity token comes with sign-in, not with every refresh.
        Assert.NotNull(first.Get("id_token"));
        Assert.Null(third.Get("id_token"));
        var token = await _client.ValidateAsync(third.AccessToken!, "resource-api", server.Clock.GetUtcNow());
        Assert.Equal(user.Id, token.Subject);
        Assert.Equal("openid offline_access api", token.GetClaim("scope").Value);
    }

    [Fact]
    public async Task Replay_after_the_leeway_is_refused_and_revokes_the_whole_chain_including_the_newest_token()
    {
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var second = (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        var third = (await _client.RefreshAsync(second.RefreshToken!)).ShouldSucceed();

        server.Clock.Advance(PastLeeway);

        (await _client.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(third.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Replay_inside_the_leeway_succeeds_as_documented_and_a_later_replay_still_kills_every_branch()
    {
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var branchA = (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();

        server.Clock.Advance(TimeSpan.FromSeconds(10));
        var branchB = (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        Assert.NotEqual(branchA.RefreshToken, branchB.RefreshToken);

        server.Clock.Advance(PastLeeway);
        (await _client.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(branchA.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(branchB.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Reuse_inside_the_leeway_does_not_extend_it_the_window_runs_from_the_first_redemption()
    {
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();

        server.Clock.Advance(TimeSpan.FromSeconds(25));
        var reused = (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();

        // 35 s after the first redemption, 10 s after the reuse: a window restarted by each reuse would let a thief keep it open.
        server.Clock.Advance(TimeSpan.FromSeconds(10));
        (await _client.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(reused.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task A_token_whose_row_is_gone_is_refused_without_touching_its_chain()
    {
        var user = await server.CreateUserAsync();
        var laptop = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var next = (await _client.RefreshAsync(laptop.RefreshToken!)).ShouldSucceed();
        var newest = (await _client.RefreshAsync(next.RefreshToken!)).ShouldSucceed();

        // What pruning or an operator's cleanup leaves: a well-signed token with no row.
        await server.WithDbAsync(db => db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>()
            .Where(t => t.Status == "redeemed" && t.Subject == user.Id).ExecuteDeleteAsync());
        server.Clock.Advance(PastLeeway);

        (await _client.RefreshAsync(laptop.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(newest.RefreshToken!)).ShouldSucceed();
    }

    [Fact]
    public async Task Replay_does_not_touch_the_same_users_other_sessions()
    {
        var user = await server.CreateUserAsync();
        var laptop = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var phone = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        (await _client.RefreshAsync(laptop.RefreshToken!)).ShouldSucceed();

        server.Clock.Advance(PastLeeway);
        (await _client.RefreshAsync(laptop.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");

        (await _client.RefreshAsync(phone.RefreshToken!)).ShouldSucceed();
    }

    [Fact]
    public async Task Parallel_redemptions_of_one_token_never_fail_with_a_server_error_and_all_succeed_inside_the_leeway()
    {
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _client.RefreshAsync(first.RefreshToken!)));

        Assert.All(results, r => r.ShouldSucceed());
        Assert.Equal(12, results.Select(r => r.RefreshToken).Distinct().Count());
    }

    [Fact]
    public async Task Refresh_token_is_encrypted_and_signed_with_a_server_only_key_while_access_tokens_stay_rs256()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var aes = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(
            Convert.FromBase64String(await File.ReadAllTextAsync(Path.Combine(server.Folder, "keys", "encryption-aes.key"), TestContext.Current.CancellationToken)));

        var refresh = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.RefreshToken);
        var inner = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().DecryptToken(
            refresh, new Microsoft.IdentityModel.Tokens.TokenValidationParameters { TokenDecryptionKey = aes });

        Assert.Equal("A256KW", refresh.Alg);
        Assert.Equal("HS256", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(inner).Alg);
        Assert.Equal("ES256", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).Alg);
        Assert.Equal("RS256", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.Get("id_token")).Alg);
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
    }

    [Fact]
    public async Task Refresh_token_of_one_client_cannot_be_redeemed_by_another()
    {
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var stolen = await _client.PostAsync(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = TokenClient.Ops, ["client_secret"] = TokenClient.OpsSecret, ["refresh_token"] = first.RefreshToken!,
        });

        Assert.True(stolen.Status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, stolen.Body.ToString());
        Assert.Contains(stolen.Error, new[] { "invalid_grant", "unauthorized_client" });
    }
}
