using System.Net;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

public sealed class LoginPageTests(AuthServerFactory factory) : IClassFixture<AuthServerFactory>
{
    [Fact]
    public async Task The_login_page_has_stable_fields_and_cannot_be_framed()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("id=\"username\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"password\"", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"username\"", html, StringComparison.Ordinal);
        Assert.Single(html.Split("type=\"submit\"").Skip(1));
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task The_session_cookie_is_http_only_and_same_site_lax()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.PostLoginAsync("/account/login", "alice", TestUsers.AlicePassword);

        var cookie = response.Headers.GetValues("Set-Cookie").Single(value => value.StartsWith("authserver.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_known_device_cookie_is_set_only_after_a_correct_password_and_is_http_only_and_same_site_strict()
    {
        var user = await factory.CreateUserAsync();
        using var browser = new BrowserClient(factory);

        using var refused = await browser.PostLoginAsync("/account/login", user.UserName!, "Wrong-Password-1!");
        Assert.False(refused.Headers.TryGetValues("Set-Cookie", out var none) && none.Any(value => value.StartsWith("authserver.device=", StringComparison.Ordinal)));

        using var response = await browser.PostLoginAsync("/account/login", user.UserName!, TestUsers.Password);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(value => value.StartsWith("authserver.device=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(user.Id, cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_login_session_ends_after_its_configured_lifetime_even_when_used()
    {
        using var browser = new BrowserClient(factory);
        await browser.SignInAsync(BrowserClient.AuthorizeUrl(Pkce.Create()), "alice", TestUsers.AlicePassword);
        var silent = BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "none" });

        // Used every hour, so the idle timeout never ends it first.
        for (var hour = 1; hour <= 7; hour++)
        {
            factory.Clock.Advance(TimeSpan.FromHours(1));
            using var used = await browser.GetAsync(silent);
            Assert.True(BrowserClient.QueryOf(browser.LocationOf(used)).ContainsKey("code"));
        }

        // No sliding: using the session at hour 7 does not stretch it past hour 8.
        factory.Clock.Advance(TimeSpan.FromHours(1.5));
        using var expired = await browser.GetAsync(silent);
        Assert.Equal("login_required", BrowserClient.QueryOf(browser.LocationOf(expired))["error"]);
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused_with_400_and_signs_nobody_in()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.PostLoginAsync("/account/login", "alice", TestUsers.AlicePassword, withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies)
            && cookies.Any(value => value.StartsWith("authserver.session=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_post_that_is_not_a_form_is_refused_with_a_problem_not_a_500()
    {
        using var browser = new BrowserClient(factory);
        var token = await browser.AntiforgeryTokenAsync("/account/login");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new StringContent("""{"username":"alice"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("RequestVerificationToken", token);
        using var response = await browser.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task A_return_url_off_this_server_is_not_followed_after_login(string returnUrl)
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.PostLoginAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}", "alice", TestUsers.AlicePassword);

        var location = browser.LocationOf(response);
        Assert.Equal("localhost", location.Host);
        Assert.Equal("/", location.AbsolutePath);
    }

    [Fact]
    public async Task A_local_return_url_is_followed_after_login()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.PostLoginAsync("/account/login?returnUrl=%2Fconnect%2Fauthorize%3Fx%3D1", "alice", TestUsers.AlicePassword);

        Assert.Equal("/connect/authorize?x=1", browser.LocationOf(response).PathAndQuery);
    }

    [Fact]
    public async Task Unknown_user_wrong_password_and_an_operators_lock_all_show_the_same_message()
    {
        var user = await factory.CreateUserAsync();
        var locked = await factory.CreateUserAsync();
        await factory.WithUsersAsync(async users => await users.SetLockoutEndDateAsync((await users.FindByIdAsync(locked.Id))!, DateTimeOffset.MaxValue));
        using var browser = new BrowserClient(factory);

        var unknown = await FailedLoginMessageAsync(browser, "nobody-here", TestUsers.Password);
        var wrong = await FailedLoginMessageAsync(browser, user.UserName!, "Wrong-Password-1!");
        var refused = await FailedLoginMessageAsync(browser, locked.UserName!, TestUsers.Password);

        Assert.Equal(unknown, wrong);
        Assert.Equal(unknown, refused);
    }

    [Fact]
    public async Task Repeated_failures_from_one_source_make_the_form_ask_to_wait_with_429()
    {
        var user = await factory.CreateUserAsync();
        using var browser = new BrowserClient(factory);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await FailedLoginMessageAsync(browser, user.UserName!, "Wrong-Password-1!");
        }

        using var response = await browser.PostLoginAsync("/account/login", user.UserName!, TestUsers.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Contains("Too many sign-in attempts", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await factory.WithUsersAsync(async users => Assert.False(await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!)));
    }

    [Fact]
    public async Task A_client_id_longer_than_any_clients_in_the_return_url_never_reaches_a_log_event()
    {
        using var browser = new BrowserClient(factory);
        var forged = new string('x', 5000);
        var returnUrl = Uri.EscapeDataString($"/connect/authorize?client_id={forged}");

        using var response = await browser.PostLoginAsync($"/account/login?returnUrl={returnUrl}", "nobody-here", "Wrong-Password-1!");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The audit trail (events 2xxx) names the client only when it could be one.
        var audit = factory.LogEvents.Where(e => LogEventIds.Of(e) is >= 2000 and < 3000).ToList();
        Assert.Contains(audit, e => LogEventIds.Of(e) == 2002);
        Assert.DoesNotContain(audit, e => e.RenderMessage().Contains(forged, StringComparison.Ordinal));
    }

    private static async Task<string> FailedLoginMessageAsync(BrowserClient browser, string userName, string password)
    {
        using var response = await browser.PostLoginAsync("/account/login", userName, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var start = html.IndexOf("role=\"alert\"", StringComparison.Ordinal);
        Assert.True(start > 0, "The failed login shows an error.");
        return html[start..html.IndexOf("</p>", start, StringComparison.Ordinal)];
    }
}
