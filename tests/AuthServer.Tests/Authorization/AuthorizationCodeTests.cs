using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests;

public sealed class AuthorizationCodeTests(AuthServerFactory factory) : IClassFixture<AuthServerFactory>
{
    [Fact]
    public async Task A_signed_in_user_gets_a_code_that_redeems_for_verified_tokens_with_state_and_nonce_round_tripped()
    {
        using var browser = new BrowserClient(factory);
        var pkce = Pkce.Create();
        var callback = await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce, state: "xyz-state", nonce: "n-0S6_WzA2Mj"), "alice", TestUsers.AlicePassword);

        Assert.Equal(BrowserClient.RedirectUri, callback.GetLeftPart(UriPartial.Path));
        var query = BrowserClient.QueryOf(callback);
        Assert.Equal("xyz-state", query["state"]);

        var tokens = (await browser.RedeemAsync(query["code"], pkce.Verifier)).ShouldSucceed();
        var access = await browser.Tokens.ValidateAsync(tokens.AccessToken!, "resource-api", factory.Clock.GetUtcNow());
        Assert.Equal(TokenClient.Spa, access.GetClaim("client_id").Value);
        Assert.NotNull(tokens.RefreshToken);

        var identity = new JsonWebToken(tokens.Get("id_token"));
        Assert.Equal("n-0S6_WzA2Mj", identity.GetClaim("nonce").Value);
        Assert.Equal(access.Subject, identity.Subject);
        Assert.True(identity.TryGetClaim("auth_time", out _), "The identity token carries auth_time.");
    }

    [Fact]
    public async Task Discovery_advertises_the_browser_endpoints_and_only_S256()
    {
        using var browser = new BrowserClient(factory);
        var discovery = JsonDocument.Parse(await browser.Http.GetStringAsync(Endpoints.Discovery, TestContext.Current.CancellationToken)).RootElement;

        Assert.EndsWith(Endpoints.Authorization, discovery.GetProperty("authorization_endpoint").GetString(), StringComparison.Ordinal);
        Assert.EndsWith(Endpoints.EndSession, discovery.GetProperty("end_session_endpoint").GetString(), StringComparison.Ordinal);
        Assert.EndsWith(Endpoints.UserInfo, discovery.GetProperty("userinfo_endpoint").GetString(), StringComparison.Ordinal);
        Assert.Equal(["S256"], discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(method => method.GetString()));
    }

    [Fact]
    public async Task An_authorization_request_without_a_code_challenge_is_refused_with_invalid_request()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(pkce: null));

        AssertRefusedAtClient(browser, response, "invalid_request", "code_challenge");
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("")]
    public async Task A_code_challenge_that_is_not_S256_is_refused_with_invalid_request(string method)
    {
        using var browser = new BrowserClient(factory);
        var pkce = Pkce.Create();
        var url = BrowserClient.AuthorizeUrl(method == "plain" ? pkce with { Challenge = pkce.Verifier } : pkce, method: method);
        using var response = await browser.GetAsync(url);

        AssertRefusedAtClient(browser, response, "invalid_request", "code_challenge_method");
    }

    [Fact]
    public async Task A_code_redeemed_with_the_wrong_verifier_is_refused_with_invalid_grant()
    {
        using var browser = new BrowserClient(factory);
        var pkce = Pkce.Create();
        var callback = await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce), "alice", TestUsers.AlicePassword);

        (await browser.RedeemAsync(BrowserClient.QueryOf(callback)["code"], Pkce.Create().Verifier))
            .ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task A_replayed_code_is_refused_and_the_refresh_token_it_issued_dies()
    {
        using var browser = new BrowserClient(factory);
        var pkce = Pkce.Create();
        var callback = await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce), "alice", TestUsers.AlicePassword);
        var code = BrowserClient.QueryOf(callback)["code"];

        var first = (await browser.RedeemAsync(code, pkce.Verifier)).ShouldSucceed();
        (await browser.RedeemAsync(code, pkce.Verifier)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");

        // RFC 6749 §4.1.2: what the code issued is revoked once the code is seen twice.
        (await browser.Tokens.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task A_code_redeemed_with_another_redirect_uri_is_refused()
    {
        using var browser = new BrowserClient(factory);
        var pkce = Pkce.Create();
        var callback = await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce), "alice", TestUsers.AlicePassword);

        (await browser.RedeemAsync(BrowserClient.QueryOf(callback)["code"], pkce.Verifier, "http://localhost:5173/other"))
            .ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Theory]
    [InlineData("http://localhost:5173/callback/extra")]
    [InlineData("http://localhost:5174/callback")]
    [InlineData("https://evil.example/callback")]
    public async Task An_unregistered_redirect_uri_is_never_redirected_to(string redirectUri)
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), redirectUri: redirectUri));

        await AssertRefusedAsync(response, "invalid_request", "redirect_uri");
    }

    [Fact]
    public async Task An_unknown_client_is_refused_without_a_redirect()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), clientId: "nobody"));

        await AssertRefusedAsync(response, "invalid_request", "client_id");
    }

    [Fact]
    public async Task Prompt_none_without_a_session_answers_login_required_at_the_redirect_uri()
    {
        using var browser = new BrowserClient(factory);
        var url = BrowserClient.AuthorizeUrl(Pkce.Create(), state: "s-none", extra: new Dictionary<string, string> { ["prompt"] = "none" });
        using var response = await browser.GetAsync(url);

        var location = browser.LocationOf(response);
        Assert.Equal(BrowserClient.RedirectUri, location.GetLeftPart(UriPartial.Path));
        Assert.Equal("login_required", BrowserClient.QueryOf(location)["error"]);
        Assert.Equal("s-none", BrowserClient.QueryOf(location)["state"]);
    }

    [Fact]
    public async Task With_a_session_prompt_none_issues_a_code_and_prompt_login_asks_again()
    {
        using var browser = new BrowserClient(factory);
        await browser.SignInAsync(BrowserClient.AuthorizeUrl(Pkce.Create()), "alice", TestUsers.AlicePassword);

        using var silent = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "none" }));
        Assert.True(BrowserClient.QueryOf(browser.LocationOf(silent)).ContainsKey("code"));

        using var forced = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "login" }));
        var login = browser.LocationOf(forced);
        Assert.Equal("/account/login", login.AbsolutePath);
        Assert.DoesNotContain("prompt", BrowserClient.QueryOf(login)["returnUrl"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_older_than_max_age_is_sent_back_to_the_login_page()
    {
        using var browser = new BrowserClient(factory);
        await browser.SignInAsync(BrowserClient.AuthorizeUrl(Pkce.Create()), "alice", TestUsers.AlicePassword);

        var maxAge = new Dictionary<string, string> { ["max_age"] = "60" };
        using var fresh = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: maxAge));
        Assert.Equal(BrowserClient.RedirectUri, browser.LocationOf(fresh).GetLeftPart(UriPartial.Path));

        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        using var stale = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: maxAge));
        Assert.Equal("/account/login", browser.LocationOf(stale).AbsolutePath);
    }

    [Fact]
    public async Task Userinfo_returns_the_claims_the_access_token_scopes_allow()
    {
        using var browser = new BrowserClient(factory);
        var tokens = (await browser.CodeFlowAsync("alice", TestUsers.AlicePassword)).ShouldSucceed();

        using var request = new HttpRequestMessage(HttpMethod.Get, Endpoints.UserInfo);
        request.Headers.Authorization = new("Bearer", tokens.AccessToken);
        using var response = await browser.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var claims = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("alice", claims.GetProperty("preferred_username").GetString());
        Assert.Equal("alice@example.com", claims.GetProperty("email").GetString());
        Assert.False(string.IsNullOrEmpty(claims.GetProperty("sub").GetString()));

        using var anonymous = await browser.Http.GetAsync(Endpoints.UserInfo, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Logout_ends_the_cookie_revokes_the_session_refresh_token_and_redirects_to_the_registered_uri()
    {
        using var browser = new BrowserClient(factory);
        var tokens = (await browser.CodeFlowAsync("alice", TestUsers.AlicePassword)).ShouldSucceed();

        using var logout = await browser.SubmitFormAsync(
            $"{Endpoints.EndSession}?client_id=spa&post_logout_redirect_uri={Uri.EscapeDataString(BrowserClient.PostLogoutRedirectUri)}&state=bye");
        var location = browser.LocationOf(logout);
        Assert.Equal(BrowserClient.PostLogoutRedirectUri, location.GetLeftPart(UriPartial.Path));
        Assert.Equal("bye", BrowserClient.QueryOf(location)["state"]);

        (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        using var again = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "none" }));
        Assert.Equal("login_required", BrowserClient.QueryOf(browser.LocationOf(again))["error"]);
    }

    [Fact]
    public async Task Logout_never_redirects_to_an_unregistered_post_logout_uri()
    {
        using var browser = new BrowserClient(factory);
        await browser.CodeFlowAsync("alice", TestUsers.AlicePassword);

        using var logout = await browser.GetAsync($"{Endpoints.EndSession}?client_id=spa&post_logout_redirect_uri={Uri.EscapeDataString("https://evil.example/")}");
        Assert.NotEqual("evil.example", logout.Headers.Location?.Host);
        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
    }

    [Fact]
    public async Task No_code_verifier_password_or_token_of_the_browser_flow_reaches_a_log_event()
    {
        using var browser = new BrowserClient(factory);
        using var wrongLogin = await browser.PostLoginAsync("/account/login", "alice", "Wrong-Browser-Guess-1!");
        var pkce = Pkce.Create();
        var code = BrowserClient.QueryOf(await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce), "alice", TestUsers.AlicePassword))["code"];
        var tokens = (await browser.RedeemAsync(code, pkce.Verifier)).ShouldSucceed();
        using var logout = await browser.SubmitFormAsync($"{Endpoints.EndSession}?client_id=spa");

        string[] secrets = [code, pkce.Verifier, TestUsers.AlicePassword, "Wrong-Browser-Guess-1!", tokens.AccessToken!, tokens.RefreshToken!, tokens.Get("id_token")!];
        foreach (var logEvent in factory.LogEvents.ToList())
        {
            using var writer = new StringWriter();
            logEvent.RenderMessage(writer, System.Globalization.CultureInfo.InvariantCulture);
            foreach (var property in logEvent.Properties)
            {
                property.Value.Render(writer, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }

            var rendered = writer + logEvent.Exception?.ToString();
            foreach (var secret in secrets)
            {
                var probe = secret.Contains('.', StringComparison.Ordinal) ? secret.Split('.')[^1] : secret;
                Assert.False(rendered.Contains(probe, StringComparison.Ordinal), $"A secret ({Array.IndexOf(secrets, secret)}) leaked into a log event: {logEvent.MessageTemplate.Text}");
            }
        }

        Assert.Contains(factory.LogEvents, e => e.MessageTemplate.Text.StartsWith("Session ended", StringComparison.Ordinal));
    }

    /// <summary>The client and redirect URI are known good, so the refusal goes back to it (RFC 6749 §4.1.2.1).</summary>
    private static void AssertRefusedAtClient(BrowserClient browser, HttpResponseMessage response, string error, string parameter)
    {
        var location = browser.LocationOf(response);
        Assert.Equal(BrowserClient.RedirectUri, location.GetLeftPart(UriPartial.Path));
        var answer = BrowserClient.QueryOf(location);
        Assert.Equal(error, answer["error"]);
        Assert.Contains($"'{parameter}'", answer["error_description"], StringComparison.Ordinal);
        Assert.Equal("state-1", answer["state"]);
    }

    /// <summary>Refused on the server's own page: nothing is sent to a redirect URI the request may have forged.</summary>
    private static async Task AssertRefusedAsync(HttpResponseMessage response, string error, string parameter)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {body}");
        Assert.Null(response.Headers.Location);
        var json = System.Text.Json.JsonDocument.Parse(body).RootElement;
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.Contains($"'{parameter}'", json.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }
}
