using System.Net;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using static AuthServer.ResourceServer.Tests.Infrastructure.FeedServers;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// The revocation feed (decision 010): every revocation the server performs reaches both sample APIs through the
/// revocation feed, within seconds: the revoked access token is refused (even when the JwtBearer API already cached
/// it), a token issued afterwards is accepted, and another user's token is untouched.
/// </summary>
public sealed partial class RevocationFeedTests(FeedServers feed) : IClassFixture<FeedServers>
{
    private const string NewPassword = "Changed-Pass-7890!";

    public static TheoryData<string> Causes =>
        ["revoke-user", "revoke-session", "lock", "password-change", "password-reset", "delete", "refresh-replay", "code-replay", "logout", "rfc7009",
            "account-page-chain", "account-page-session"];

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
            "logout" or "revoke-session" or "account-page-chain" or "account-page-session" => (await browser.CodeFlowAsync(victim.UserName!, TestUsers.Password)).ShouldSucceed(),
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
            case "account-page-chain":
                await EndFromAccountPageAsync(browser, "/account/chains/end", new JsonWebToken(before.AccessToken!).GetClaim("oi_au_id").Value);
                break;
            case "account-page-session":
                // Ended from another browser of the same user, as after a device was stolen.
                using (var other = new BrowserClient(feed.Server))
                {
                    (await other.CodeFlowAsync(victim.UserName!, TestUsers.Password)).ShouldSucceed();
                    await EndFromAccountPageAsync(other, "/account/sessions/end", new JsonWebToken(before.AccessToken!).GetClaim("sid").Value);
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

    /// <summary>The user ends a chain or a session on their own account page (the form's antiforgery token from the page).</summary>
    private static async Task EndFromAccountPageAsync(BrowserClient browser, string action, string id)
    {
        var page = await browser.Http.GetStringAsync("/account", TestContext.Current.CancellationToken);
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("id", id)]);
        using var ended = await browser.Http.PostAsync(action, form, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.SeeOther, ended.StatusCode);
    }

    [System.Text.RegularExpressions.GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex AntiforgeryField();
}
