using System.Net;
using System.Text.Json.Nodes;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.ResourceServer.Tests.Infrastructure.FeedServers;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// The revocation feed (decision 010): every revocation the server performs reaches both sample APIs through the
/// revocation feed, within seconds: the revoked access token is refused (even when the JwtBearer API already cached
/// it), a token issued afterwards is accepted, and another user's token is untouched.
/// </summary>
public sealed class RevocationFeedTests(FeedServers feed) : IClassFixture<FeedServers>
{
    private const string NewPassword = "Changed-Pass-7890!";

    public static TheoryData<string> Causes =>
        ["revoke-user", "revoke-session", "lock", "password-change", "password-reset", "delete", "refresh-replay", "code-replay", "logout", "rfc7009"];

    [Theory]
    [MemberData(nameof(Causes))]
    public async Task A_revoked_token_is_refused_by_both_apis_while_later_tokens_and_other_users_are_accepted(string cause)
    {
        var victim = await feed.Server.CreateUserAsync();
        var bystander = await feed.Server.CreateUserAsync();
        using var browser = new BrowserClient(feed.Server);
        var pkce = Pkce.Create();
        var code = cause == "code-replay" ? BrowserClient.QueryOf(await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce), victim.UserName!, TestUsers.Password))["code"] : null;
        var before = cause switch
        {
            "logout" or "revoke-session" => (await browser.CodeFlowAsync(victim.UserName!, TestUsers.Password)).ShouldSucceed(),
            "code-replay" => (await browser.RedeemAsync(code!, pkce.Verifier)).ShouldSucceed(),
            _ => await feed.SignInAsync(victim.UserName!),
        };
        var other = await feed.SignInAsync(bystander.UserName!);
        foreach (var api in feed.Both)
        {
            // Also puts the token in the JwtBearer API's validated-token cache: the revocation must win over the cache.
            Assert.Equal(HttpStatusCode.OK, await CallAsync(api, before.AccessToken!));
        }

        if (cause == "code-replay")
        {
            // RFC 6749 §4.1.2: the code seen twice; what its first redemption issued is revoked.
            (await browser.RedeemAsync(code!, pkce.Verifier)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        }
        else
        {
            await RevokeAsync(cause, victim, before, browser);
        }

        foreach (var api in feed.Both)
        {
            await UntilAsync(api, before.AccessToken!, HttpStatusCode.Unauthorized);
        }

        var after = await AfterAsync(cause, victim);
        foreach (var api in feed.Both)
        {
            if (after is not null)
            {
                Assert.Equal(HttpStatusCode.OK, await CallAsync(api, after));
            }

            Assert.Equal(HttpStatusCode.OK, await CallAsync(api, other.AccessToken!));
        }
    }

    [Fact]
    public async Task A_token_without_a_chain_is_refused_by_its_issue_time_when_the_user_is_revoked()
    {
        var victim = await feed.Server.CreateUserAsync();
        var chainless = await feed.SignInAsync(victim.UserName!, scope: "openid api");
        Assert.False(new JsonWebToken(chainless.AccessToken!).TryGetPayloadValue<string>("oi_au_id", out _));

        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        foreach (var api in feed.Both)
        {
            await UntilAsync(api, chainless.AccessToken!, HttpStatusCode.Unauthorized);
        }

        // iat has one-second resolution: a chainless token of the same second is refused too, one of a later second is not.
        await WallClock.PassAsync(TimeSpan.FromSeconds(1.1), "the next token must be of a later second (iat resolution)");
        var later = await feed.SignInAsync(victim.UserName!, scope: "openid api");
        foreach (var api in feed.Both)
        {
            Assert.Equal(HttpStatusCode.OK, await CallAsync(api, later.AccessToken!));
        }
    }

    [Fact]
    public async Task Revoking_a_client_refuses_its_tokens_at_both_apis_and_leaves_other_clients_tokens_alone()
    {
        var user = await feed.Server.CreateUserAsync();
        var partnerToken = (await PartnerSignInAsync(user.UserName!)).AccessToken!;
        var spaToken = (await feed.SignInAsync(user.UserName!)).AccessToken!;

        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/clients/{FeedServer.Partner}/revoke-tokens");

        foreach (var api in feed.Both)
        {
            await UntilAsync(api, partnerToken, HttpStatusCode.Unauthorized);
            Assert.Equal(HttpStatusCode.OK, await CallAsync(api, spaToken));
        }

        // By issue time, to the second: the client's next token, a second later, is accepted.
        await WallClock.PassAsync(TimeSpan.FromSeconds(1.1), "the next token must be of a later second (iat resolution)");
        var later = (await PartnerSignInAsync(user.UserName!)).AccessToken!;
        foreach (var api in feed.Both)
        {
            Assert.Equal(HttpStatusCode.OK, await CallAsync(api, later));
        }
    }

    [Fact]
    public async Task Two_instances_of_one_api_both_learn_of_a_revocation()
    {
        using var second = feed.Start(Sample.JwtBearer);
        var victim = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(victim.UserName!)).AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(feed.JwtBearer, token));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(second, token));

        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        await UntilAsync(feed.JwtBearer, token, HttpStatusCode.Unauthorized);
        await UntilAsync(second, token, HttpStatusCode.Unauthorized);
        Assert.True(await feed.Server.WithDbAsync(db => db.SecurityEventStreams.CountAsync(s => s.ClientId == "resource-api-jwtbearer")) >= 2, "Each instance polls its own stream.");
    }

    [Fact]
    public async Task A_second_server_instance_on_the_same_database_serves_the_same_feed()
    {
        using var instanceB = new SecondInstance(feed.Server);
        var backchannel = new Backchannel(feed.Server);
        using var api = feed.Start(Sample.OpenIddict, backchannel);
        var victim = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(victim.UserName!)).AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));
        await PollsAsync(backchannel);

        // From now on the API reaches only instance B; the revocation happens at instance A.
        backchannel.Server = instanceB;
        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        await UntilAsync(api, token, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_api_keeps_accepting_during_an_outage_reports_unhealthy_and_catches_up_without_losing_the_event()
    {
        var backchannel = new Backchannel(feed.Server);
        using var api = feed.Start(Sample.JwtBearer, backchannel, new Dictionary<string, string> { ["AuthServer:RevocationFeed:StaleAfter"] = "00:00:02" });
        var victim = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(victim.UserName!)).AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));
        await PollsAsync(backchannel);
        Assert.Equal(HttpStatusCode.OK, await HealthAsync(api));

        backchannel.Down = true;
        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        // Fail open by default: once the feed is stale (2 s) the API says so on its health endpoint, and still serves (the token unchecked).
        await Eventually.TrueAsync(async () => await HealthAsync(api) == HttpStatusCode.ServiceUnavailable, "The API never reported the stale feed on its health endpoint");
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await HealthAsync(api));

        backchannel.Down = false;
        await UntilAsync(api, token, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, await HealthAsync(api));
    }

    [Fact]
    public async Task With_FailClosed_a_stale_feed_refuses_every_token_until_it_is_back()
    {
        var backchannel = new Backchannel(feed.Server);
        using var api = feed.Start(Sample.OpenIddict, backchannel, new Dictionary<string, string>
        {
            ["AuthServer:RevocationFeed:StaleAfter"] = "00:00:02",
            ["AuthServer:RevocationFeed:FailClosed"] = "true",
        });
        var user = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(user.UserName!)).AccessToken!;
        await UntilAsync(api, token, HttpStatusCode.OK);

        backchannel.Down = true;
        await UntilAsync(api, token, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(5));

        backchannel.Down = false;
        await UntilAsync(api, token, HttpStatusCode.OK, TimeSpan.FromSeconds(5));
    }

    public static TheoryData<Sample, string> Forgeries()
    {
        var data = new TheoryData<Sample, string>();
        foreach (var sample in Enum.GetValues<Sample>())
        {
            foreach (var forgery in new[] { "alg-none", "flipped-signature", "unpublished-key", "other-audience", "typ-jwt" })
            {
                data.Add(sample, forgery);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_or_unsigned_set_is_reported_back_and_changes_nothing(Sample sample, string forgery)
    {
        using var serverKey = feed.Server.ServerKey();
        var backchannel = new Backchannel(feed.Server) { TamperSets = set => Forge(set, forgery, serverKey) };
        using var api = feed.Start(sample, backchannel);
        var victim = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(victim.UserName!)).AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));

        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        // The receiver answers the forged SET with setErrs; the server records it for that stream.
        var error = await EventuallyAsync(() => feed.Server.WithDbAsync(db => db.SecurityEventAcks
            .Where(a => a.Error != null && db.SecurityEvents.Any(e => e.Id == a.EventId && e.Subject == victim.Id)).Select(a => a.Error).FirstOrDefaultAsync()));
        Assert.Equal(forgery switch { "other-audience" => "invalid_audience", "unpublished-key" => "invalid_key", _ => "authentication_failed" }, error);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));
    }

    private async Task<TokenResponse> PartnerSignInAsync(string userName) => (await feed.Tokens.PostAsync(new()
    {
        ["grant_type"] = "password", ["client_id"] = FeedServer.Partner, ["username"] = userName, ["password"] = TestUsers.Password, ["scope"] = "openid offline_access api",
    })).ShouldSucceed();

    private async Task RevokeAsync(string cause, IdentityUser victim, TokenResponse before, BrowserClient browser)
    {
        switch (cause)
        {
            case "revoke-user":
                await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");
                break;
            case "revoke-session":
                await feed.Admin.OkAsync(HttpMethod.Delete, $"/admin/sessions/{new JsonWebToken(before.AccessToken!).GetClaim("sid").Value}");
                break;
            case "lock":
                await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/lock");
                break;
            case "password-change":
                await feed.Server.WithUsersAsync(async users =>
                    Assert.True((await users.ChangePasswordAsync((await users.FindByIdAsync(victim.Id))!, TestUsers.Password, NewPassword)).Succeeded));
                break;
            case "password-reset":
                await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/reset-password", new { password = NewPassword });
                break;
            case "delete":
                await feed.Admin.OkAsync(HttpMethod.Delete, $"/admin/users/{victim.Id}");
                break;
            case "refresh-replay":
                (await feed.Tokens.RefreshAsync(before.RefreshToken!)).ShouldSucceed();
                (await feed.Tokens.RefreshAsync(before.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
                break;
            case "logout":
                using (var logout = await browser.GetAsync($"{Endpoints.EndSession}?id_token_hint={before.Get("id_token")}"))
                {
                    Assert.True(logout.IsSuccessStatusCode || logout.StatusCode == HttpStatusCode.Redirect, $"Logout answered {logout.StatusCode}.");
                }

                break;
            case "rfc7009":
                using (var revoked = await AdminClient.RevokeAsync(feed.Tokens.Http, before.RefreshToken!, TokenClient.Spa))
                {
                    Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(cause));
        }
    }

    /// <summary>A token the user obtains after the revocation, or null when they cannot (deleted).</summary>
    private async Task<string?> AfterAsync(string cause, IdentityUser victim)
    {
        switch (cause)
        {
            case "delete":
                return null;
            case "lock":
                await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/unlock");
                return (await feed.SignInAsync(victim.UserName!)).AccessToken;
            case "password-change" or "password-reset":
                return (await feed.SignInAsync(victim.UserName!, NewPassword)).AccessToken;
            case "logout" or "revoke-session" or "code-replay":
                using (var browser = new BrowserClient(feed.Server))
                {
                    return (await browser.CodeFlowAsync(victim.UserName!, TestUsers.Password)).ShouldSucceed().AccessToken;
                }

            default:
                return (await feed.SignInAsync(victim.UserName!)).AccessToken;
        }
    }

    private static async Task<HttpStatusCode> HealthAsync(SampleApi api)
    {
        using var http = api.CreateClient();
        using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        return response.StatusCode;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        T? value = null;
        await Eventually.TrueAsync(async () => (value = await probe()) is not null, "The server never recorded the receiver's error for the forged SET");
        return value!;
    }

    private static string Forge(string set, string forgery, System.Security.Cryptography.RSA serverKey)
    {
        var parts = set.Split('.');
        switch (forgery)
        {
            case "alg-none":
                var none = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject();
                none["alg"] = "none";
                return $"{Base64UrlEncoder.Encode(none.ToJsonString())}.{parts[1]}.";
            case "flipped-signature":
                var signature = Base64UrlEncoder.DecodeBytes(parts[2]);
                signature[signature.Length / 2] ^= 0x01;
                return $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(signature)}";
            case "unpublished-key":
                return Forger.WithRandomKid(set);
            case "other-audience":
                var claims = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
                claims["aud"] = "another-api";
                return Forger.Resign($"{parts[0]}.{Base64UrlEncoder.Encode(claims.ToJsonString())}.{parts[2]}", serverKey);
            case "typ-jwt":
                return Forger.Resign(set, serverKey, typ: "JWT");
            default:
                throw new ArgumentOutOfRangeException(nameof(forgery));
        }
    }

    /// <summary>Another server instance on the first one's database file and keys.</summary>
    private sealed class SecondInstance : AuthServerFactory
    {
        public SecondInstance(FeedServer first)
        {
            Set("Database:ConnectionString", $"Data Source={Path.Combine(first.Folder, "auth.db")}");
            Set("Keys:SigningKeyFiles:0", first.RsaKeyFile).Set("Keys:EncryptionKeyFiles:0", first.EncryptionKeyFile);
            Set("Tokens:RefreshTokenReuseLeeway", "00:00:00");
            WallClock = true;
        }

    }
}
