using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Conformance;

/// <summary>
/// oidcc-basic-certification-test-plan, response_type=code, static client: one test per module of the suite, named after
/// its id, against the real server. The Development catalog's `spa` plays the suite's client unless a secret is needed.
/// </summary>
public sealed class BasicPlanTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private static Dictionary<string, string?> With(params (string Key, string? Value)[] parameters) =>
        parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private async Task<(RelyingParty Rp, IdentityUser User)> StartAsync(StaticClient? client = null) =>
        (new RelyingParty(server, client), await server.CreateUserAsync());

    // The happy flow with client_secret_basic: state and iss echoed, code redeemed, ID token fully validated, no-store.
    [Fact]
    public async Task oidcc_server()
    {
        var (rp, user) = await StartAsync(StaticClient.Bff);
        using var session = rp;
        var flow = await rp.SignInFlowAsync(user);
        Assert.Equal(user.Id, flow.IdToken.Subject);
    }

    // The happy flow with client_secret_post.
    [Fact]
    public async Task oidcc_server_client_secret_post()
    {
        var (rp, user) = await StartAsync(StaticClient.BffPost);
        using var session = rp;
        var flow = await rp.SignInFlowAsync(user);
        Assert.Equal(user.Id, flow.IdToken.Subject);
    }

    // No response_type: an error back to the client (unsupported_response_type or invalid_request), or a page saying so.
    [Fact]
    public async Task oidcc_response_type_missing()
    {
        var (rp, _) = await StartAsync();
        using var session = rp;
        using var response = await rp.Browser.GetAsync(rp.AuthorizeUrl(With(("response_type", null))));
        if (response.Headers.Location is { } location && location.IsAbsoluteUri && location.AbsoluteUri.StartsWith(rp.Client.RedirectUri, StringComparison.Ordinal))
        {
            Assert.Contains((await rp.AnswerAsync(location))["error"], new[] { "unsupported_response_type", "invalid_request" });
        }
        else
        {
            await ErrorPageAsync(response, "response_type");
        }
    }

    // The ID token is signed (by default RS256 for a client that registered no algorithm), with the kid of a JWKS key.
    [Fact]
    public async Task oidcc_idtoken_signature()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var flow = await rp.SignInFlowAsync(user);
        Assert.Equal(SecurityAlgorithms.RsaSha256, flow.IdToken.Alg);
    }

    // UserInfo with the access token as a bearer header on GET.
    [Fact]
    public async Task oidcc_userinfo_get()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        await rp.UserInfoAsync(await rp.SignInFlowAsync(user), HttpMethod.Get);
    }

    // UserInfo with the access token as a bearer header on POST.
    [Fact]
    public async Task oidcc_userinfo_post_header()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        await rp.UserInfoAsync(await rp.SignInFlowAsync(user), HttpMethod.Post);
    }

    // UserInfo with the access token in a POST form body (RFC 6750 §2.2; optional, a warning in the suite when refused).
    [Fact]
    public async Task oidcc_userinfo_post_body()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        await rp.UserInfoAsync(await rp.SignInFlowAsync(user), HttpMethod.Post, tokenInBody: true);
    }

    // A code flow request without nonce succeeds, and the ID token then carries no nonce.
    [Fact]
    public async Task oidcc_ensure_request_without_nonce_succeeds_for_code_flow()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        await rp.SignInFlowAsync(user, With(("nonce", null)));
    }

    // scope=openid profile: UserInfo returns the profile claims.
    [Fact]
    public async Task oidcc_scope_profile() => await ScopeAsync("openid profile", "name");

    // scope=openid email: UserInfo returns email and email_verified.
    [Fact]
    public async Task oidcc_scope_email() => await ScopeAsync("openid email", "email", "email_verified");

    // scope=openid address: UserInfo returns address.
    [Fact]
    public async Task oidcc_scope_address()
    {
        ConformancePageTests.SkipIfNotApplicable();
        await ScopeAsync("openid address", "address");
    }

    // scope=openid phone: UserInfo returns phone_number.
    [Fact]
    public async Task oidcc_scope_phone()
    {
        ConformancePageTests.SkipIfNotApplicable();
        await ScopeAsync("openid phone", "phone_number");
    }

    // scope=openid profile email address phone: UserInfo returns the claims of all four.
    [Fact]
    public async Task oidcc_scope_all()
    {
        ConformancePageTests.SkipIfNotApplicable();
        await ScopeAsync("openid profile email address phone", "name", "email", "address", "phone_number");
    }

    // The happy flow again with the scope list reversed and the query parameters in another order (RFC 6749 §3.3).
    [Fact]
    public async Task oidcc_alternate_happy_flow()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var url = rp.AuthorizeUrl(With(("scope", "email profile openid")));
        var query = QueryHelpers.ParseQuery(new Uri(new Uri("http://localhost"), url).Query).Reverse();
        var reordered = QueryHelpers.AddQueryString(Endpoints.Authorization, query.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString())));
        var flow = await rp.RedeemAsync(await rp.Browser.SignInAsync(reordered, user.UserName!, TestUsers.Password));
        var claims = await rp.UserInfoAsync(flow, HttpMethod.Get);
        Assert.True(claims.TryGetProperty("email", out _) && claims.TryGetProperty("name", out _), claims.ToString());
    }

    // display=page must not cause an error: the normal login page, then success.
    [Fact]
    public async Task oidcc_display_page() => await SucceedsWithAsync(("display", "page"));

    // display=popup must not cause an error.
    [Fact]
    public async Task oidcc_display_popup() => await SucceedsWithAsync(("display", "popup"));

    // prompt=login asks for the login again even on a live session, and the second auth_time is later.
    [Fact]
    public async Task oidcc_prompt_login()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var first = await rp.SignInFlowAsync(user);
        server.Clock.Advance(TimeSpan.FromSeconds(5));
        var second = await rp.SignInFlowAsync(user, With(("prompt", "login")));
        Assert.Equal(first.IdToken.Subject, second.IdToken.Subject);
        Assert.True(AuthTime(second) > AuthTime(first), "auth_time did not move on with the second login.");
    }

    // prompt=none without a session: back to the client with login_required (or another OIDCC-3.1.2.6 error), no login page.
    [Fact]
    public async Task oidcc_prompt_none_not_logged_in()
    {
        var (rp, _) = await StartAsync();
        using var session = rp;
        using var response = await rp.Browser.GetAsync(rp.AuthorizeUrl(With(("prompt", "none"))));
        var answer = await rp.AnswerAsync(rp.ToClient(response));
        Assert.Contains(answer["error"], new[] { "login_required", "interaction_required", "consent_required", "account_selection_required" });
    }

    // prompt=none on a live session: a code without any login page, same sub and auth_time.
    [Fact]
    public async Task oidcc_prompt_none_logged_in()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var first = await rp.SignInFlowAsync(user);
        var second = await rp.SilentFlowAsync(With(("prompt", "none")));
        SameLogin(first, second);
    }

    // max_age=1 after more than a second: a new login, and the second ID token carries a later auth_time.
    [Fact]
    public async Task oidcc_max_age_1()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var first = await rp.SignInFlowAsync(user);
        server.Clock.Advance(TimeSpan.FromSeconds(2));
        var second = await rp.SignInFlowAsync(user, With(("max_age", "1")));
        Assert.True(AuthTime(second) > AuthTime(first), "auth_time did not move on with the second login.");
    }

    // max_age=15000 then max_age=10000: auth_time in both, no second login, same sub and auth_time.
    [Fact]
    public async Task oidcc_max_age_10000()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var first = await rp.SignInFlowAsync(user, With(("max_age", "15000")));
        var second = await rp.SilentFlowAsync(With(("max_age", "10000")));
        SameLogin(first, second);
    }

    // An unknown parameter is ignored (RFC 6749 §3.1).
    [Fact]
    public async Task oidcc_ensure_request_with_unknown_parameter_succeeds() => await SucceedsWithAsync(("extra", "foobar"));

    // prompt=none with id_token_hint set to the first ID token: a code at once, same sub and auth_time.
    [Fact]
    public async Task oidcc_id_token_hint()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var first = await rp.SignInFlowAsync(user);
        var second = await rp.SilentFlowAsync(With(("prompt", "none"), ("id_token_hint", first.Tokens.Get("id_token"))));
        SameLogin(first, second);
    }

    // login_hint must not cause an error.
    [Fact]
    public async Task oidcc_login_hint() => await SucceedsWithAsync(("login_hint", "someone@example.test"));

    // ui_locales must not cause an error.
    [Fact]
    public async Task oidcc_ui_locales() => await SucceedsWithAsync(("ui_locales", "se"));

    // claims_locales must not cause an error.
    [Fact]
    public async Task oidcc_claims_locales() => await SucceedsWithAsync(("claims_locales", "se"));

    // acr_values must not cause an error.
    [Fact]
    public async Task oidcc_ensure_request_with_acr_values_succeeds() => await SucceedsWithAsync(("acr_values", "1 2"));

    // A code redeemed twice: the second time invalid_grant.
    [Fact]
    public async Task oidcc_codereuse()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var code = await CodeAsync(rp, user);
        (await rp.RedeemCodeAsync(code)).ShouldSucceed();
        (await rp.RedeemCodeAsync(code)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    // A code redeemed again 30 seconds later: invalid_grant, and the access token of the first use no longer works (RFC 6749 §4.1.2).
    [Fact]
    public async Task oidcc_codereuse_30seconds()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var code = await CodeAsync(rp, user);
        var tokens = (await rp.RedeemCodeAsync(code)).ShouldSucceed();
        server.Clock.Advance(TimeSpan.FromSeconds(30));
        (await rp.RedeemCodeAsync(code)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");

        using var request = new HttpRequestMessage(HttpMethod.Get, Endpoints.UserInfo);
        request.Headers.Authorization = new("Bearer", tokens.AccessToken);
        using var userInfo = await rp.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, userInfo.StatusCode);
    }

    // An unregistered redirect_uri: no redirect there, the server's own error page saying the redirect_uri is invalid.
    [Fact]
    public async Task oidcc_ensure_registered_redirect_uri()
    {
        var (rp, _) = await StartAsync();
        using var session = rp;
        using var response = await AsBrowserAsync(rp, rp.AuthorizeUrl(With(("redirect_uri", "https://attacker.example/callback"))));
        Assert.False(response.Headers.Location?.ToString().Contains("attacker.example", StringComparison.Ordinal) == true, "Redirected to the unregistered URI.");
        await ErrorPageAsync(response, "redirect_uri");
    }

    // The authorization request as a form POST (OIDCC-3.1.2.1) completes like a GET.
    [Fact]
    public async Task oidcc_ensure_post_request_succeeds()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var url = new Uri(new Uri("http://localhost"), rp.AuthorizeUrl());
        var form = QueryHelpers.ParseQuery(url.Query).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        using var posted = await rp.Http.PostAsync(Endpoints.Authorization, new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        var login = rp.Browser.LocationOf(posted);
        Assert.Equal("/account/login", login.AbsolutePath);
        using var signedIn = await rp.Browser.PostLoginAsync(login.PathAndQuery, user.UserName!, TestUsers.Password);
        using var back = await rp.Browser.GetAsync(rp.Browser.LocationOf(signedIn).PathAndQuery);
        await rp.RedeemAsync(rp.ToClient(back));
    }

    // An unsigned request object by value: processed (its state is the one echoed) or refused with request_not_supported.
    [Fact]
    public async Task oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var url = rp.AuthorizeUrl();
        var inner = QueryHelpers.ParseQuery(new Uri(new Uri("http://localhost"), url).Query).ToDictionary(p => p.Key, p => (object)p.Value.ToString());
        var outer = With(("client_id", rp.Client.Id), ("response_type", "code"), ("scope", "openid"), ("state", null), ("nonce", null),
            ("redirect_uri", rp.Client.RedirectUri), ("code_challenge", null), ("code_challenge_method", null), ("request", Unsigned(inner)));
        var request = QueryHelpers.AddQueryString(Endpoints.Authorization, outer.Where(p => p.Value is not null));
        using var response = await rp.Browser.GetAsync(request);
        if (response.Headers.Location is { } location && location.IsAbsoluteUri && BrowserClient.QueryOf(location).ContainsKey("error"))
        {
            Assert.Equal("request_not_supported", BrowserClient.QueryOf(location)["error"]);
            OidcChecks.CleanErrorDescription(BrowserClient.QueryOf(location).GetValueOrDefault("error_description"));
            return;
        }

        await rp.RedeemAsync(await rp.Browser.SignInAsync(request, user.UserName!, TestUsers.Password));
    }

    // redirect_uri in a request object and another as a parameter: the object's is used, or an error that never goes to the other.
    [Fact]
    public async Task oidcc_ensure_request_object_with_redirect_uri()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var inner = QueryHelpers.ParseQuery(new Uri(new Uri("http://localhost"), rp.AuthorizeUrl()).Query).ToDictionary(p => p.Key, p => (object)p.Value.ToString());
        var request = QueryHelpers.AddQueryString(Endpoints.Authorization, new Dictionary<string, string?>
        {
            ["client_id"] = rp.Client.Id, ["response_type"] = "code", ["scope"] = "openid",
            ["redirect_uri"] = "https://attacker.example/callback", ["request"] = Unsigned(inner),
        });
        using var response = await AsBrowserAsync(rp, request);
        Assert.False(response.Headers.Location?.ToString().Contains("attacker.example", StringComparison.Ordinal) == true, "Redirected to the parameter's URI.");
        if (response.Headers.Location is { } location && location.IsAbsoluteUri && location.AbsoluteUri.StartsWith(rp.Client.RedirectUri, StringComparison.Ordinal))
        {
            await rp.RedeemAsync(location);
            return;
        }

        if (response.Headers.Location is null)
        {
            // Request objects unsupported (the suite skips the module then): refused on the server's own page, not at either URI.
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            await ErrorPageAsync(response, body.Contains("request_not_supported", StringComparison.Ordinal) ? "request_not_supported" : "redirect_uri");
            return;
        }

        await rp.RedeemAsync(await rp.Browser.SignInAsync(request, user.UserName!, TestUsers.Password));
    }

    // request_uri pointing at an unsigned request object: processed, or refused with request_uri_not_supported.
    [Fact]
    public async Task oidcc_request_uri_unsigned_supported_correctly_or_rejected_as_unsupported()
    {
        var (rp, _) = await StartAsync();
        using var session = rp;
        var url = rp.AuthorizeUrl(With(("request_uri", "https://rp.example/requests/1.jwt")));
        using var response = await rp.Browser.GetAsync(url);
        var location = rp.ToClient(response);
        Assert.Equal("request_uri_not_supported", (await rp.AnswerAsync(location))["error"]);
    }

    // Refresh tokens work, come with a valid ID token if any, and are bound to their client.
    [Fact]
    public async Task oidcc_refresh_token()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var flow = await rp.SignInFlowAsync(user, With(("scope", "openid offline_access")));
        Assert.False(string.IsNullOrEmpty(flow.Tokens.RefreshToken), "No refresh token for offline_access.");

        var refreshed = (await rp.RefreshAsync(flow.Tokens.RefreshToken!)).ShouldSucceed();
        Assert.False(string.IsNullOrEmpty(refreshed.AccessToken));
        if (refreshed.Get("id_token") is { } idToken)
        {
            var again = await OidcChecks.IdTokenAsync(rp.Http, idToken, new IdTokenExpectation(rp.Client.Id, null, server.Clock.GetUtcNow()));
            Assert.Equal(flow.IdToken.Subject, again.Subject);
        }

        (await rp.RefreshAsync(refreshed.RefreshToken ?? flow.Tokens.RefreshToken!, StaticClient.Bff)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    // A valid S256 PKCE request succeeds (RFC 7636).
    [Fact]
    public async Task oidcc_ensure_request_with_valid_pkce_succeeds()
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var flow = await rp.SignInFlowAsync(user);
        Assert.Equal(user.Id, flow.IdToken.Subject);
    }

    // claims={"userinfo":{"name":{"essential":true}}}: the request succeeds (a missing name is a warning in the suite).
    [Fact]
    public async Task oidcc_claims_essential() =>
        await SucceedsWithAsync(("claims", """{"userinfo":{"name":{"essential":true}}}"""));

    private async Task SucceedsWithAsync(params (string Key, string? Value)[] parameters)
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var flow = await rp.SignInFlowAsync(user, With(parameters));
        Assert.Equal(user.Id, flow.IdToken.Subject);
    }

    private async Task ScopeAsync(string scope, params string[] claims)
    {
        var (rp, user) = await StartAsync();
        using var session = rp;
        var userInfo = await rp.UserInfoAsync(await rp.SignInFlowAsync(user, With(("scope", scope))), HttpMethod.Get);
        Assert.All(claims, claim => Assert.True(userInfo.TryGetProperty(claim, out _), $"UserInfo has no {claim}: {userInfo}"));
    }

    private static async Task<string> CodeAsync(RelyingParty rp, IdentityUser user) =>
        (await rp.AnswerAsync(await rp.Browser.SignInAsync(rp.AuthorizeUrl(), user.UserName!, TestUsers.Password)))["code"];

    private static long AuthTime(FlowResult flow)
    {
        Assert.True(flow.IdToken.TryGetPayloadValue<long>("auth_time", out var authTime), "The id_token has no auth_time.");
        return authTime;
    }

    private static void SameLogin(FlowResult first, FlowResult second)
    {
        Assert.Equal(first.IdToken.Subject, second.IdToken.Subject);
        if (first.IdToken.TryGetPayloadValue<long>("auth_time", out var before) | second.IdToken.TryGetPayloadValue<long>("auth_time", out var after))
        {
            Assert.Equal(before, after);
        }
    }

    /// <summary>What the suite's screenshot shows: an error page of the server's own (4xx, no redirect) naming the problem.</summary>
    /// <summary>What the suite's screenshot shows: an HTML error page of the server's own that names the problem.</summary>
    private static async Task ErrorPageAsync(HttpResponseMessage response, string problem)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"Expected an error page, got {(int)response.StatusCode} {response.Headers.Location}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("id=\"error-description\"", body, StringComparison.Ordinal);
        Assert.Contains(problem, body, StringComparison.Ordinal);
    }

    /// <summary>A GET as a browser sends it (Accept: text/html), for the modules the suite judges by what the user sees.</summary>
    private static Task<HttpResponseMessage> AsBrowserAsync(RelyingParty rp, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Accept", "text/html,application/xhtml+xml" } } };
        return rp.Browser.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static string Unsigned(Dictionary<string, object> claims) =>
        $"{Base64UrlEncoder.Encode("""{"alg":"none"}""")}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims))}.";
}
