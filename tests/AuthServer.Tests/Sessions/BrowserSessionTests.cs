using System.Net;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests;

/// <summary>
/// Server-side browser sessions (decision 009): whatever ends a session reaches the login cookie at its next use, on
/// any instance; logout needs a valid hint or the user's confirmation; tokens carry the session id.
/// </summary>
public sealed class BrowserSessionTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>, IDisposable
{
    private readonly AdminClient _admin = new(server.CreateClient());
    private AuthServerFactory? _second;

    public static TheoryData<string> Endings => ["revoke-tokens", "revoke-session", "lock", "password-change", "delete"];

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task Each_way_an_operator_or_the_account_ends_sessions_reaches_the_browser_on_a_second_instance(string ending)
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        using var elsewhere = new BrowserClient(SecondInstance(), browser.Cookies);
        Assert.True(BrowserClient.QueryOf(await SilentAsync(elsewhere)).ContainsKey("code"), "The cookie works on the second instance before the end.");

        await EndAsync(ending, user);

        Assert.Equal("login_required", BrowserClient.QueryOf(await SilentAsync(elsewhere))["error"]);
        Assert.Equal("login_required", BrowserClient.QueryOf(await SilentAsync(browser))["error"]);
        (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task The_runbooks_device_stolen_steps_end_only_the_stolen_devices_session()
    {
        var user = await server.CreateUserAsync();
        using var laptop = new BrowserClient(server);
        using var phone = new BrowserClient(server);
        var laptopTokens = (await laptop.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var phoneTokens = (await phone.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        // docs/operations.md: list the user's browser sessions, find the stolen device's, end it.
        var listed = await _admin.OkAsync(HttpMethod.Get, $"/admin/users/{user.UserName}/browser-sessions");
        var phoneSession = new JsonWebToken(phoneTokens.Get("id_token")).GetClaim("sid").Value;
        var row = listed.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("id").GetString() == phoneSession);
        Assert.Single(row.GetProperty("chains").EnumerateArray());
        await _admin.OkAsync(HttpMethod.Delete, $"/admin/sessions/{phoneSession}");

        Assert.Equal("login_required", BrowserClient.QueryOf(await SilentAsync(phone))["error"]);
        (await phone.Tokens.RefreshAsync(phoneTokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.True(BrowserClient.QueryOf(await SilentAsync(laptop)).ContainsKey("code"));
        (await laptop.Tokens.RefreshAsync(laptopTokens.RefreshToken!)).ShouldSucceed();
        var ended = (await _admin.OkAsync(HttpMethod.Get, $"/admin/users/{user.Id}/browser-sessions")).GetProperty("items").EnumerateArray()
            .Single(s => s.GetProperty("id").GetString() == phoneSession);
        Assert.Equal("operator", ended.GetProperty("endReason").GetString());
    }

    [Fact]
    public async Task Identity_and_access_tokens_carry_the_browser_sessions_id_and_refresh_keeps_it()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var sid = new JsonWebToken(tokens.Get("id_token")).GetClaim("sid").Value;
        Assert.Matches("^[0-9a-f]{32}$", sid);
        Assert.Equal(sid, (await browser.Tokens.ValidateAsync(tokens.AccessToken!, "resource-api", server.Clock.GetUtcNow())).GetClaim("sid").Value);
        var refreshed = (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
        Assert.Equal(sid, (await browser.Tokens.ValidateAsync(refreshed.AccessToken!, "resource-api", server.Clock.GetUtcNow())).GetClaim("sid").Value);
    }

    [Fact]
    public async Task A_session_left_idle_past_the_timeout_ends_on_its_own()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        await browser.CodeFlowAsync(user.UserName!, TestUsers.Password);

        server.Clock.Advance(TimeSpan.FromMinutes(90));
        Assert.True(BrowserClient.QueryOf(await SilentAsync(browser)).ContainsKey("code"), "Used within the idle timeout: still alive, and the use counts.");
        server.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        Assert.Equal("login_required", BrowserClient.QueryOf(await SilentAsync(browser))["error"]);
    }

    [Fact]
    public async Task A_logout_link_without_a_hint_ends_nothing_and_asks_the_user()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        using var page = await browser.GetAsync($"{Endpoints.EndSession}?client_id=spa&post_logout_redirect_uri={Uri.EscapeDataString(BrowserClient.PostLogoutRedirectUri)}");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign out?", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(BrowserClient.QueryOf(await SilentAsync(browser)).ContainsKey("code"));
        (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
    }

    [Fact]
    public async Task A_confirmation_post_without_the_antiforgery_token_is_refused_and_ends_nothing()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        using var forged = await browser.SubmitFormAsync($"{Endpoints.EndSession}?client_id=spa", withAntiforgery: false);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.True(BrowserClient.QueryOf(await SilentAsync(browser)).ContainsKey("code"));
        (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
    }

    [Fact]
    public async Task A_valid_id_token_hint_ends_that_session_without_asking_even_once_expired()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        server.Clock.Advance(TimeSpan.FromMinutes(30));

        using var logout = await browser.GetAsync(
            $"{Endpoints.EndSession}?id_token_hint={tokens.Get("id_token")}&post_logout_redirect_uri={Uri.EscapeDataString(BrowserClient.PostLogoutRedirectUri)}&state=s1");

        Assert.Equal("s1", BrowserClient.QueryOf(browser.LocationOf(logout))["state"]);
        (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal("login_required", BrowserClient.QueryOf(await SilentAsync(browser))["error"]);
    }

    [Fact]
    public async Task A_forged_hint_or_one_for_another_client_is_refused_and_ends_nothing()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var idToken = tokens.Get("id_token")!;
        var forged = idToken[..^4] + (idToken[^4] == 'A' ? "BBBB" : "AAAA");

        using var garbage = await browser.GetAsync($"{Endpoints.EndSession}?id_token_hint={forged}");
        using var foreign = await browser.GetAsync($"{Endpoints.EndSession}?id_token_hint={idToken}&client_id=ops");

        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
        Assert.True(BrowserClient.QueryOf(await SilentAsync(browser)).ContainsKey("code"));
    }

    [Fact]
    public async Task Prompt_none_with_another_users_or_a_garbage_hint_answers_login_required()
    {
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        using var bobsBrowser = new BrowserClient(server);
        var bobsIdToken = (await bobsBrowser.CodeFlowAsync(bob.UserName!, TestUsers.Password)).ShouldSucceed().Get("id_token")!;
        using var browser = new BrowserClient(server);
        var aliceIdToken = (await browser.CodeFlowAsync(alice.UserName!, TestUsers.Password)).ShouldSucceed().Get("id_token")!;

        Assert.Equal("login_required", BrowserClient.QueryOf(await SilentAsync(browser, bobsIdToken))["error"]);
        Assert.Equal("login_required", BrowserClient.QueryOf(await SilentAsync(browser, "not-a-token"))["error"]);
        Assert.True(BrowserClient.QueryOf(await SilentAsync(browser, aliceIdToken)).ContainsKey("code"));
    }

    public void Dispose() => _second?.Dispose();

    /// <summary>prompt=none: a code if the browser session is alive, login_required if not (OIDC Core §3.1.2.6).</summary>
    private static async Task<Uri> SilentAsync(BrowserClient browser, string? idTokenHint = null)
    {
        var extra = new Dictionary<string, string> { ["prompt"] = "none" };
        if (idTokenHint is not null)
        {
            extra["id_token_hint"] = idTokenHint;
        }

        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: extra));
        return browser.LocationOf(response);
    }

    private Task EndAsync(string ending, IdentityUser user) => AccountEndings.ApplyAsync(ending, server, _admin, user, async () =>
        (await _admin.OkAsync(HttpMethod.Get, $"/admin/users/{user.Id}/browser-sessions")).GetProperty("items")[0].GetProperty("id").GetString()!);

    /// <summary>Another instance on the same database and keys: what ends a session on one must end it on the other.</summary>
    private AuthServerFactory SecondInstance()
    {
        if (_second is null)
        {
            _second = new AuthServerFactory();
            _second.Set("Database:ConnectionString", $"Data Source={Path.Combine(server.Folder, "auth.db")}");
            _second.Set("Keys:DevelopmentKeyFolder", Path.Combine(server.Folder, "keys"));
        }

        return _second;
    }
}
