using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests;

/// <summary>
/// Hostile input on the surfaces added after the first hostile-input probe (the login redirect, the revocation feed,
/// end-session, the OpenAPI document), and cookies that cannot be tossed. One test per defect
/// the probe found; each failed before its fix.
/// </summary>
public sealed class HostileSurfaceTests(AdminServerFactory server) : IClassFixture<AdminServerFactory>
{
    private const string Marker = "<svg/onload=h0stile>";

    private readonly HttpClient _http = server.CreateClient(new() { AllowAutoRedirect = false });

    // ---- Item 8: the login form after a correct password ----

    [Theory]
    [InlineData("/é")]
    [InlineData("/／／x")]
    [InlineData("/connect/authorize?client_id=spa&state=é")]
    public async Task A_non_ascii_return_url_after_a_correct_password_is_no_500_and_leaves_no_orphaned_session(string returnUrl)
    {
        // Over a real Kestrel: the test host writes any header, Kestrel refuses a non-ASCII Location (the 500 the probe saw).
        using var kestrel = new KestrelServerFactory();
        var user = await kestrel.CreateUserAsync();
        using var http = kestrel.CreateBrowser();

        using var posted = await PostLoginAsync(http, returnUrl, user.UserName!, TestUsers.Password);

        var body = await posted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"{(int)posted.StatusCode} {body}");
        var location = posted.Headers.Location!.OriginalString;
        Assert.True(location.All(char.IsAscii), location);
        Assert.True(location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) && !location.StartsWith("/\\", StringComparison.Ordinal), location);
        Assert.Contains(posted.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("authserver.session=", StringComparison.Ordinal));

        // The one session row is the one the browser now holds a cookie for.
        Assert.Equal(1, await kestrel.WithDbAsync(db => db.BrowserSessions.CountAsync(s => s.UserId == user.Id && s.EndedAt == null)));
    }

    [Fact]
    public async Task A_nul_in_a_login_field_is_a_validation_message_not_the_form_expired()
    {
        using var browser = new BrowserClient(server);
        foreach (var (userName, password) in new[] { ("al\0ice", TestUsers.AlicePassword), ("alice", "Alice\0-Demo-Pass1"), ("\0", "\0") })
        {
            using var response = await browser.PostLoginAsync("/account/login", userName, password);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
            Assert.DoesNotContain("expired", text, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("control character (such as NUL)", text, StringComparison.Ordinal);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        }
    }

    // ---- Item 8: the revocation feed's JSON ----

    [Fact]
    public async Task Feed_strings_with_a_lone_surrogate_or_invalid_utf8_are_a_400_not_a_500()
    {
        var feed = new FeedClient(_http);
        await feed.CreateStreamAsync();
        var poll = feed.PollEndpoint!.PathAndQuery;

        foreach (var (path, body) in new (string, byte[])[]
        {
            (SharedSignals.SharedSignalsEndpoints.Streams, """{"description":"\ud800"}"""u8.ToArray()),
            (SharedSignals.SharedSignalsEndpoints.Streams, [.. "{\"description\":\""u8, 0xC3, 0x28, .. "\"}"u8]),
            (SharedSignals.SharedSignalsEndpoints.Streams, """{"delivery":{"method":"\udc00"}}"""u8.ToArray()),
            (poll, """{"ack":["\ud800"],"returnImmediately":true}"""u8.ToArray()),
            (poll, [.. "{\"ack\":[\""u8, 0xFF, 0xFE, .. "\"],\"returnImmediately\":true}"u8]),
            (poll, """{"setErrs":{"\ud800":{"err":"other"}},"returnImmediately":true}"""u8.ToArray()),
            (poll, """{"setErrs":{"a":{"err":"\udfff"}},"returnImmediately":true}"""u8.ToArray()),
            (poll, """{"\ud800":1,"returnImmediately":true}"""u8.ToArray()),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", feed.AccessToken);
            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {Encoding.UTF8.GetString(body)}: {(int)response.StatusCode} {text}");
            Assert.Equal("invalid_request", JsonDocument.Parse(text).RootElement.GetProperty("err").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await feed.PollAsync()).Status);
    }

    [Fact]
    public async Task Concurrent_long_polls_of_one_client_are_bounded_beyond_which_a_poll_answers_at_once()
    {
        using var feedServer = new AuthServerFactory();
        feedServer.Set("SharedSignals:LongPollWait", "00:00:06").Set("SharedSignals:LongPollCheckInterval", "00:00:00.100")
            .Set("SharedSignals:MaxLongPollsPerClient", "2");
        var http = feedServer.CreateClient();
        var feeds = new[] { new FeedClient(http), new FeedClient(http), new FeedClient(http) };
        foreach (var feed in feeds)
        {
            await feed.CreateStreamAsync();
        }

        var held = feeds[..2].Select(feed => feed.PollAsync(new { returnImmediately = false })).ToList();
        await Meanwhile.StillPendingAsync(Task.WhenAny(held), TimeSpan.FromMilliseconds(700), "A long poll within the bound answered instead of being held");

        var clock = Stopwatch.StartNew();
        var (status, body) = await feeds[2].PollAsync(new { returnImmediately = false });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(body.GetProperty("sets").EnumerateObject());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"The third long poll was held {clock.Elapsed.TotalSeconds:0.0} s.");
        Assert.DoesNotContain(held, poll => poll.IsCompleted);
        Assert.All(await Task.WhenAll(held), poll => Assert.Equal(HttpStatusCode.OK, poll.Status));

        // The slots are given back: a long poll is held again.
        clock.Restart();
        await feeds[2].PollAsync(new { returnImmediately = false });
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(5), $"A long poll after the others ended was held only {clock.Elapsed.TotalSeconds:0.0} s.");
    }

    [Fact]
    public async Task The_streams_cap_never_drops_a_stream_that_polled_recently()
    {
        using var feedServer = new AuthServerFactory();
        feedServer.Set("SharedSignals:MaxStreamsPerClient", "2");
        var http = feedServer.CreateClient();
        var live = new[] { new FeedClient(http), new FeedClient(http) };
        foreach (var feed in live)
        {
            await feed.CreateStreamAsync();
        }

        var (status, body) = await new FeedClient(http).SendAsync(HttpMethod.Post, SharedSignals.SharedSignalsEndpoints.Streams, new { });

        Assert.True(status == HttpStatusCode.Conflict, $"{(int)status} {body}");
        foreach (var feed in live)
        {
            Assert.Equal(HttpStatusCode.OK, (await feed.PollAsync()).Status);
        }

        // A stream nobody polled for a while is the one a new stream replaces.
        feedServer.Clock.Advance(TimeSpan.FromMinutes(11));
        var fresh = new FeedClient(http);
        await fresh.CreateStreamAsync();
        Assert.Equal(HttpStatusCode.OK, (await fresh.PollAsync()).Status);
    }

    // ---- Item 8: end-session ----

    [Fact]
    public async Task A_valid_id_token_hint_alone_from_a_cookieless_client_ends_nothing()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        server.Clock.Advance(TimeSpan.FromMinutes(30));

        // Another party holding the (expired) ID token: no session cookie, no client_id. It is asked, and confirming
        // from a browser without that session ends nothing either.
        var logoutUrl = $"{Endpoints.EndSession}?id_token_hint={tokens.Get("id_token")}";
        using var stranger = server.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var logout = await stranger.GetAsync(logoutUrl, TestContext.Current.CancellationToken);
        Assert.True(logout.StatusCode == HttpStatusCode.OK, $"{(int)logout.StatusCode}");
        Assert.Contains("Sign out?", await logout.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        using var strangersBrowser = new BrowserClient(server);
        using var confirmed = await strangersBrowser.SubmitFormAsync(logoutUrl);
        Assert.True((int)confirmed.StatusCode < 400, $"{(int)confirmed.StatusCode}");

        (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
        Assert.True(BrowserClient.QueryOf(await SilentAsync(browser)).ContainsKey("code"), "The browser's session was ended by a hint alone.");
        Assert.Equal(1, await server.WithDbAsync(db => db.BrowserSessions.CountAsync(s => s.UserId == user.Id && s.EndedAt == null)));
    }

    [Fact]
    public async Task A_hint_for_another_browsers_session_asks_before_ending_this_one_and_never_ends_the_other()
    {
        var user = await server.CreateUserAsync();
        using var first = new BrowserClient(server);
        var firstTokens = (await first.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        using var second = new BrowserClient(server);
        var secondTokens = (await second.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var logoutUrl = $"{Endpoints.EndSession}?id_token_hint={firstTokens.Get("id_token")}";
        using var page = await second.GetAsync(logoutUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign out?", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        (await first.Tokens.RefreshAsync(firstTokens.RefreshToken!)).ShouldSucceed();
        (await second.Tokens.RefreshAsync(secondTokens.RefreshToken!)).ShouldSucceed();

        // Confirmed: this browser's own session ends, the hinted one in the other browser does not.
        using var confirmed = await second.SubmitFormAsync(logoutUrl);
        Assert.True(confirmed.StatusCode == HttpStatusCode.OK, $"{(int)confirmed.StatusCode}");
        (await second.Tokens.RefreshAsync(secondTokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await first.Tokens.RefreshAsync(firstTokens.RefreshToken!)).ShouldSucceed();
        Assert.True(BrowserClient.QueryOf(await SilentAsync(first)).ContainsKey("code"));
    }

    [Fact]
    public async Task End_session_refuses_duplicated_parameters_like_every_other_endpoint()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var hint = tokens.Get("id_token")!;
        var redirect = Uri.EscapeDataString(BrowserClient.PostLogoutRedirectUri);

        foreach (var query in new[]
        {
            $"id_token_hint={hint}&id_token_hint={hint}",
            $"id_token_hint={hint}&post_logout_redirect_uri={redirect}&post_logout_redirect_uri={redirect}",
            $"client_id=spa&client_id=spa&post_logout_redirect_uri={redirect}",
            $"id_token_hint={hint}&state=a&state=b",
        })
        {
            using var response = await browser.GetAsync($"{Endpoints.EndSession}?{query}");
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query[..40]}: {(int)response.StatusCode} {text[..Math.Min(120, text.Length)]}");
            Assert.Equal("invalid_request", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
        }

        using (var post = await browser.Http.PostAsync(Endpoints.EndSession, new FormUrlEncodedContent([new("id_token_hint", hint), new("id_token_hint", hint)]), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        }

        (await browser.Tokens.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
    }

    // ---- Item 8: smaller ones ----

    [Fact]
    public async Task An_unknown_openapi_document_is_a_problem_that_does_not_echo_its_name()
    {
        var ops = (await new TokenClient(_http).ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        foreach (var name in new[] { Uri.EscapeDataString(Marker), "nothing-here", "v1" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/admin/openapi/{name}.json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ops);
            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain(Uri.UnescapeDataString(name), text, StringComparison.Ordinal);
            Assert.DoesNotContain("svg", text, StringComparison.OrdinalIgnoreCase);
        }

        using var known = new HttpRequestMessage(HttpMethod.Get, "/admin/openapi/admin.json");
        known.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ops);
        using var document = await _http.SendAsync(known, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
    }

    [Fact]
    public async Task A_code_presented_without_its_verifier_is_burnt_like_one_with_a_wrong_verifier()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var pkce = Pkce.Create();
        var code = BrowserClient.QueryOf(await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce), user.UserName!, TestUsers.Password))["code"];

        var missing = await browser.Tokens.PostAsync(new()
        {
            ["grant_type"] = "authorization_code", ["client_id"] = TokenClient.Spa, ["code"] = code, ["redirect_uri"] = BrowserClient.RedirectUri,
        });
        missing.ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("no longer valid", missing.Get("error_description"), StringComparison.Ordinal);

        // RFC 6749 §4.1.2: the code was presented once; the right verifier now comes too late.
        (await browser.RedeemAsync(code, pkce.Verifier)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    // ---- Item 6: cookies a sibling subdomain cannot toss ----

    [Fact]
    public async Task Outside_development_the_session_and_antiforgery_cookies_carry_the_host_prefix()
    {
        using var production = new ProductionServerFactory();
        var user = await production.CreateUserAsync();
        var cookies = new CookieContainer();
        using var http = production.CreateDefaultClient(new Uri("https://id.example.test/"), new CookieContainerHandler(cookies));

        using var page = await http.GetAsync("/account/login", TestContext.Current.CancellationToken);
        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.Contains("antiforgery", StringComparison.Ordinal));
        using var posted = await PostLoginAsync(http, "/", user.UserName!, TestUsers.Password, page);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var session = posted.Headers.GetValues("Set-Cookie").Single(c => c.Contains("session", StringComparison.Ordinal));
        var device = posted.Headers.GetValues("Set-Cookie").Single(c => c.Contains("device", StringComparison.Ordinal));

        foreach (var (cookie, name) in new[]
        {
            (antiforgery, "__Host-authserver.antiforgery="), (session, "__Host-authserver.session="), (device, "__Host-authserver.device="),
        })
        {
            Assert.StartsWith(name, cookie, StringComparison.Ordinal);
            var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).ToList();
            Assert.Contains("secure", attributes, StringComparer.OrdinalIgnoreCase);
            Assert.Contains("path=/", attributes, StringComparer.OrdinalIgnoreCase);
            Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.OrdinalIgnoreCase));
        }

        // The browser kept all three (it drops a __Host- cookie without Secure, Path=/ or with Domain) and the session is
        // read: end-session asks a signed-in browser to confirm.
        Assert.Equal(
            ["__Host-authserver.antiforgery", "__Host-authserver.device", "__Host-authserver.session"],
            cookies.GetCookies(http.BaseAddress!).Select(c => c.Name).Where(n => n.StartsWith("__Host-authserver.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        using var logout = await http.GetAsync(Endpoints.EndSession, TestContext.Current.CancellationToken);
        Assert.Contains("Sign out?", await logout.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_keeps_the_plain_cookie_names_on_http()
    {
        using var browser = new BrowserClient(server);
        using var page = await browser.GetAsync("/account/login");
        Assert.Contains(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("authserver.antiforgery=", StringComparison.Ordinal));

        using var posted = await browser.PostLoginAsync("/account/login", "alice", TestUsers.AlicePassword);
        var session = posted.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("authserver.session=", StringComparison.Ordinal));
        Assert.DoesNotContain("secure", session, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The login page as a browser would post it: its antiforgery token and the given return URL.</summary>
    private static async Task<HttpResponseMessage> PostLoginAsync(HttpClient http, string returnUrl, string userName, string password, HttpResponseMessage? page = null)
    {
        var html = page is null
            ? await http.GetStringAsync("/account/login?returnUrl=" + Uri.EscapeDataString(returnUrl))
            : await page.Content.ReadAsStringAsync();
        var token = WebUtility.HtmlDecode(html.Split("name=\"__RequestVerificationToken\" value=\"")[1].Split('"')[0]);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = userName, ["password"] = password, ["returnUrl"] = returnUrl, ["__RequestVerificationToken"] = token,
        });
        return await http.PostAsync("/account/login", form);
    }

    private static async Task<Uri> SilentAsync(BrowserClient browser)
    {
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "none" }));
        return browser.LocationOf(response);
    }

    /// <summary>The server on a real Kestrel listener, for what only a real server refuses (header values).</summary>
    private sealed class KestrelServerFactory : AuthServerFactory
    {
        public KestrelServerFactory() => UseKestrel(0);

        /// <summary>A cookie-keeping client over a real socket to the listener's address; follows no redirect.</summary>
        public HttpClient CreateBrowser()
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(address) };
        }
    }
}
