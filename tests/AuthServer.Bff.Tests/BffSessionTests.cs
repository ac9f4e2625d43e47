using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuthServer.Bff.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Bff.Tests;

/// <summary>Sign-in, the session cookie, the user endpoint, the proxy, CSRF, logout and two instances, over real HTTP.</summary>
public sealed class BffSessionTests : IAsyncLifetime
{
    private BffSystem _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await BffSystem.StartAsync(instances: 2);

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Signing_in_leaves_only_an_HttpOnly_Secure_SameSite_Strict_session_cookie_and_the_user_endpoint_shows_the_claims()
    {
        using var browser = new HttpBrowser();
        var visited = await browser.SignInAsync(_stack.Bff.Address, "alice", TestUsers.AlicePassword);

        // The server's redirect back carries a code, never a token (RFC 9700 §2.1.1: code + PKCE, confidential client).
        Assert.Contains(visited, url => url.AbsolutePath == "/bff/signin-oidc" && url.Query.Contains("code=", StringComparison.Ordinal));
        Assert.DoesNotContain(visited, url => url.Query.Contains("token", StringComparison.OrdinalIgnoreCase));
        // The BFF pushes its request (RFC 9126, advertised by the server): the browser carries only the request_uri, and the
        // PKCE challenge, scope and state go server to server (PushedAuthorizationTests: a push without PKCE is refused).
        Assert.Contains(visited, url => url.AbsolutePath == "/connect/authorize"
            && url.Query.Contains("request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A", StringComparison.Ordinal)
            && !url.Query.Contains("code_challenge", StringComparison.Ordinal));

        var session = Assert.Single(browser.SetCookies, c => c.Cookie.Name == "__Host-bff" && c.Cookie.Value.Length > 0).Cookie;
        Assert.True(session.HttpOnly);
        Assert.True(session.Secure);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Strict, session.SameSite);
        Assert.Equal("/", session.Path.ToString());
        Assert.Null(session.Domain.Value);
        Assert.Null(session.Expires);

        // Lax only for the two cookies that must survive the server's redirect back to the callback.
        var transient = browser.SetCookies.Where(c => c.From.Port == _stack.Bff.Port && c.Cookie.Name != "__Host-bff").Select(c => c.Cookie).ToList();
        Assert.NotEmpty(transient);
        Assert.All(transient, cookie =>
        {
            Assert.True(cookie.HttpOnly && cookie.Secure, cookie.Name.ToString());
            Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Lax, cookie.SameSite);
        });

        using var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(_stack.Bff.Address, "/bff/user").AbsoluteUri));
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        Assert.Equal("no-store", user.Headers.CacheControl?.ToString());
        var claims = await user.Content.ReadFromJsonAsync<List<ClaimView>>(TestContext.Current.CancellationToken);
        Assert.Contains(claims!, c => c.Type == "email" && c.Value == "alice@example.com");
        Assert.Contains(claims!, c => c.Type == "sub");

        // The cookie points at a row; the row's ticket decrypts only with the BFF's key ring and holds the tokens.
        var key = Assert.Single(await _stack.Bff.SessionKeysAsync());
        var ticket = await _stack.Bff.TicketAsync(key);
        Assert.NotNull(ticket!.Properties.GetTokenValue("refresh_token"));
        Assert.DoesNotContain(key, browser.CookieValue(_stack.Bff.Address, "__Host-bff")!, StringComparison.Ordinal);
        await ClearSessionsAsync();
    }

    [Fact]
    public async Task The_proxy_forwards_the_users_access_token_to_the_api_and_never_the_browser_cookie()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_stack.Bff.Address, "bob", TestUsers.BobPassword);

        using var response = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url("/api/me")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(BffSystem.ClientId, body.GetProperty("client_id").GetString());
        Assert.Contains("api", body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        await ClearSessionsAsync();
    }

    [Theory]
    [InlineData("GET", "/api/me")]
    [InlineData("GET", "/bff/user")]
    [InlineData("POST", "/bff/logout")]
    public async Task A_cross_site_request_without_the_csrf_header_is_refused_even_with_the_session_cookie(string method, string path)
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_stack.Bff.Address, "alice", TestUsers.AlicePassword);

        // What a form on another site makes the browser send: the cookie (were it not Strict), no custom header.
        var forged = Spa.Call(new HttpMethod(method), Url(path), withHeader: false);
        forged.Headers.Add("Origin", "https://attacker.example");
        forged.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var refused = await browser.SendAsync(forged);
        await AssertProblemAsync(refused, HttpStatusCode.BadRequest, Bff.BffProblems.CsrfHeaderMissing);

        // A wrong value is no better than none.
        var wrong = new HttpRequestMessage(new HttpMethod(method), Url(path));
        wrong.Headers.Add(BffPaths.CsrfHeader, "0");
        using var alsoRefused = await browser.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.BadRequest, alsoRefused.StatusCode);

        // Nothing happened: the session still works with the header.
        using var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url("/bff/user")));
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        await ClearSessionsAsync();
    }

    [Theory]
    [InlineData("/bff/user")]
    [InlineData("/api/me")]
    public async Task Without_a_session_the_answer_is_a_401_problem(string path)
    {
        using var browser = new HttpBrowser();
        using var response = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url(path)));
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, Bff.BffProblems.NotSignedIn);
    }

    [Theory]
    [InlineData("//attacker.example/")]
    [InlineData("/\\attacker.example")]
    [InlineData("https://attacker.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task Login_refuses_a_return_url_that_is_not_a_local_path(string returnUrl)
    {
        using var browser = new HttpBrowser();
        using var response = await browser.GetAsync(new Uri(_stack.Bff.Address, $"/bff/login?returnUrl={Uri.EscapeDataString(returnUrl)}"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, Bff.BffProblems.BadReturnUrl);
    }

    [Fact]
    public async Task Login_returns_to_the_local_path_it_was_given()
    {
        using var browser = new HttpBrowser();
        var visited = await browser.SignInAsync(_stack.Bff.Address, "bob", TestUsers.BobPassword, returnUrl: "/index.html?tab=orders");
        Assert.Equal(new Uri(_stack.Bff.Address, "/index.html?tab=orders"), visited[^1]);
        await ClearSessionsAsync();
    }

    [Fact]
    public async Task Logout_revokes_the_refresh_token_at_the_server_ends_the_server_session_and_the_bff_session()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_stack.Bff.Address, "alice", TestUsers.AlicePassword);
        var key = Assert.Single(await _stack.Bff.SessionKeysAsync());
        var ticket = (await _stack.Bff.TicketAsync(key))!;
        var refreshToken = ticket.Properties.GetTokenValue("refresh_token")!;
        var sid = ticket.Principal.FindFirst("sid")!.Value;

        using var started = await browser.SendAsync(Spa.Call(HttpMethod.Post, Url("/bff/logout")));
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var location = (await started.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("location").GetString();
        Assert.Equal("/bff/logout/end", location);

        // RFC 7009: revoked at once, before the browser even leaves.
        Assert.Equal("invalid_grant", await RefreshErrorAsync(refreshToken));
        using (var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url("/bff/user"))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, user.StatusCode);
        }

        // The navigation: a form that posts the id_token_hint to the server (never in a URL), then back to the SPA.
        using var page = await browser.GetAsync(new Uri(_stack.Bff.Address, location));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var form = LogoutFormFields(html);
        Assert.Equal(new Uri(_stack.Issuer, "/connect/logout").AbsoluteUri, form.Action);
        Assert.True(form.Fields.ContainsKey("id_token_hint"));
        Assert.Equal(BffSystem.ClientId, form.Fields["client_id"]);
        Assert.Contains(browser.SetCookies, c => c.Cookie.Name == "__Host-bff" && c.Cookie.Value.Length == 0);

        using var content = new FormUrlEncodedContent(form.Fields);
        using var posted = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, form.Action) { Content = content });
        Assert.True(Spa.IsRedirect(posted.StatusCode), $"End-session answered {(int)posted.StatusCode}: {await posted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        var (final, visited) = await browser.FollowAsync(posted.Headers.Location!);
        using (final)
        {
            Assert.Equal(HttpStatusCode.OK, final.StatusCode);
            Assert.Equal(_stack.Bff.Address, visited[^1]);
        }

        var ended = await _stack.AuthServer.WithDbAsync(db => db.BrowserSessions.AsNoTracking().SingleAsync(s => s.Id == sid));
        Assert.NotNull(ended.EndedAt);
        Assert.Empty(await _stack.Bff.SessionKeysAsync());

        // The end navigation alone (a stray link) ends nothing and goes home.
        using var stray = await browser.GetAsync(new Uri(_stack.Bff.Address, "/bff/logout/end"));
        Assert.Equal(HttpStatusCode.Redirect, stray.StatusCode);
    }

    [Fact]
    public async Task Two_instances_serve_one_session_whichever_the_load_balancer_picks()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_stack.Bffs[0].Address, "alice", TestUsers.AlicePassword);
        browser.ShareCookies(_stack.Bffs[0].Address, _stack.Bffs[1].Address);

        using var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(_stack.Bffs[1].Address, "/bff/user").AbsoluteUri));
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        using var api = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(_stack.Bffs[1].Address, "/api/me").AbsoluteUri));
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        // Logout on the second ends the session on the first too.
        using var logout = await browser.SendAsync(Spa.Call(HttpMethod.Post, new Uri(_stack.Bffs[1].Address, "/bff/logout").AbsoluteUri));
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        using var after = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url("/bff/user")));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        await ClearSessionsAsync();
    }

    [Fact]
    public async Task An_api_that_does_not_answer_is_a_424_problem_not_a_5xx()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_stack.Bff.Address, "bob", TestUsers.BobPassword);
        using var response = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url("/down/anything")));
        await AssertProblemAsync(response, HttpStatusCode.FailedDependency, Bff.BffProblems.ApiUnavailable);
        await ClearSessionsAsync();
    }

    [Fact]
    public async Task A_session_past_its_lifetime_is_a_401_problem()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_stack.Bff.Address, "bob", TestUsers.BobPassword);
        foreach (var bff in _stack.Bffs)
        {
            bff.Clock.Advance(TimeSpan.FromHours(8) + TimeSpan.FromMinutes(1));
        }

        using var api = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url("/api/me")));
        await AssertProblemAsync(api, HttpStatusCode.Unauthorized, Bff.BffProblems.NotSignedIn);
        using var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url("/bff/user")));
        Assert.Equal(HttpStatusCode.Unauthorized, user.StatusCode);
        Assert.Empty(await _stack.Bff.SessionKeysAsync());
    }

    [Fact]
    public async Task A_forged_or_malformed_back_channel_logout_is_a_400_problem_and_ends_nothing()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_stack.Bff.Address, "alice", TestUsers.AlicePassword);
        using var http = new HttpClient();
        var endpoint = new Uri(_stack.Bff.Address, "/bff/backchannel-logout");

        // An unsigned token naming alice's session, one signed by nobody, and no token at all.
        var unsigned = $"{B64("{\"alg\":\"none\",\"typ\":\"logout+jwt\"}")}.{B64($"{{\"iss\":\"{_stack.Issuer}\",\"aud\":\"bff\",\"sub\":\"x\",\"events\":{{\"{Bff.Endpoints.BackchannelLogoutReceiver.LogoutEvent}\":{{}}}}}}")}.";
        foreach (var form in new[] { new Dictionary<string, string> { ["logout_token"] = unsigned }, new() { ["logout_token"] = "a.b.c" }, new() })
        {
            using var content = new FormUrlEncodedContent(form);
            using var response = await http.PostAsync(endpoint, content, TestContext.Current.CancellationToken);
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, Bff.BffProblems.BadLogoutToken);
        }

        using var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, Url("/bff/user")));
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        await ClearSessionsAsync();
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }

    private async Task<string?> RefreshErrorAsync(string refreshToken)
    {
        using var http = _stack.AuthServer.Http();
        var tokens = new TokenClient(http);
        var answer = await tokens.PostAsync(new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = BffSystem.ClientId,
            ["client_secret"] = BffSystem.ClientSecret,
        });
        return answer.Error;
    }

    private static (string Action, Dictionary<string, string> Fields) LogoutFormFields(string html)
    {
        var action = System.Text.RegularExpressions.Regex.Match(html, "<form method=\"post\" action=\"([^\"]+)\"").Groups[1].Value;
        var fields = System.Text.RegularExpressions.Regex.Matches(html, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")
            .ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value), StringComparer.Ordinal);
        return (WebUtility.HtmlDecode(action), fields);
    }

    private static string B64(string json) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(json);

    private string Url(string path) => new Uri(_stack.Bff.Address, path).AbsoluteUri;

    /// <summary>Each test starts from no BFF session, so counts of rows stay exact.</summary>
    private async Task ClearSessionsAsync()
    {
        foreach (var key in await _stack.Bff.SessionKeysAsync())
        {
            await _stack.Bff.Services.GetRequiredService<Bff.Sessions.ISessionStore>().RemoveAsync(key, CancellationToken.None);
        }
    }

    private sealed record ClaimView(string Type, string Value);
}
