using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AuthServer.Bff.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Bff.Tests;

/// <summary>One system for every row: the hostile requests below change nothing another row depends on.</summary>
public sealed class BffHostileInputFixture : IAsyncLifetime
{
    public BffSystem Stack { get; private set; } = null!;

    /// <summary>While set, a cookie sign-in throws right after its session row was stored (a fault at the worst moment).</summary>
    public bool FaultAfterStore { get; set; }

    public async ValueTask InitializeAsync() => Stack = await BffSystem.StartAsync(configureBff: bff => bff.TestServices = services =>
        services.PostConfigure<CookieAuthenticationOptions>(BffSchemes.Cookie, options =>
        {
            var signedIn = options.Events.OnSignedIn;
            options.Events.OnSignedIn = context => FaultAfterStore ? throw new InvalidOperationException("Injected fault after the session was stored.") : signedIn(context);
        }));

    public async ValueTask DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>
/// What a stranger can send the BFF without signing in, and what a link can make a victim's browser carry through it:
/// every answer is a 4xx with a problem body, never a 5xx, a stack trace or an empty page, and nothing is left behind.
/// </summary>
public sealed class BffHostileInputTests(BffHostileInputFixture fixture) : IClassFixture<BffHostileInputFixture>
{
    private BffHost Bff => fixture.Stack.Bff;

    [Theory]
    [InlineData("a 5 MB logout_token")]
    [InlineData("1,025 form fields")]
    [InlineData("a key over 2,048 characters")]
    [InlineData("a broken multipart body")]
    [InlineData("a chunked body over the limit")]
    public async Task A_hostile_back_channel_logout_body_is_a_400_oauth_error_without_authentication(string body)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using HttpContent content = body switch
        {
            "a 5 MB logout_token" => Form("logout_token=" + new string('a', 5 * 1024 * 1024)),
            "1,025 form fields" => Form(string.Join('&', Enumerable.Range(0, 1_025).Select(i => $"f{i}=1")) + "&logout_token=a.b.c"),
            "a key over 2,048 characters" => Form(new string('k', 2_049) + "=1&logout_token=a.b.c"),
            "a broken multipart body" => Raw("--x\r\nContent-Disposition: form-data; name=\"logout_token\"\r\n\r\na.b.c\r\n--x", "multipart/form-data; boundary=x"),
            _ => new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("logout_token=" + new string('a', 5 * 1024 * 1024)))),
        };
        if (body == "a chunked body over the limit")
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Bff.Address, BffPaths.BackchannelLogout)) { Content = content };
        request.Headers.TransferEncodingChunked = body == "a chunked body over the limit" ? true : null;
        var logged = Bff.Logs.Count;
        using var response = await SendAsync(http, request);

        // The BFF stops reading a chunked body at its limit and closes the connection, so the sender may see only that.
        if (response is not null || body != "a chunked body over the limit")
        {
            // Back-Channel Logout 1.0 §2.8: 400 with an OAuth-style error, and the answer is not cached.
            Assert.NotNull(response);
            var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal(BffProblems.BadLogoutToken, problem.GetProperty("type").GetString());
            Assert.Equal("invalid_request", problem.GetProperty("error").GetString());
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }

        AssertRefusedWithoutFailure(logged, "3008: Back-channel logout refused");
    }

    [Theory]
    [InlineData(BffPaths.Logout)]
    [InlineData("/api/me")]
    public async Task A_body_over_the_bffs_limit_is_a_413_problem_before_anything_reads_it(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var request = Spa.Call(HttpMethod.Post, new Uri(Bff.Address, path).AbsoluteUri);
        request.Content = new ByteArrayContent(new byte[2 * 1024 * 1024]);
        var logged = Bff.Logs.Count;
        using var response = await SendAsync(http, request);
        Assert.NotNull(response);
        var problem = await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        AssertRefusedWithoutFailure(logged, null);
        Assert.Equal(BffProblems.BodyTooLarge, problem.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("GET", "/bff/nothing-here", HttpStatusCode.NotFound)]
    [InlineData("GET", "/no-such-page", HttpStatusCode.NotFound)]
    [InlineData("POST", BffPaths.Login, HttpStatusCode.MethodNotAllowed)]
    [InlineData("GET", BffPaths.BackchannelLogout, HttpStatusCode.MethodNotAllowed)]
    [InlineData("DELETE", BffPaths.User, HttpStatusCode.MethodNotAllowed)]
    public async Task An_unknown_path_or_method_is_a_problem_not_an_empty_answer(string method, string path, HttpStatusCode status)
    {
        using var http = new HttpClient();
        using var response = await http.SendAsync(Spa.Call(new HttpMethod(method), new Uri(Bff.Address, path).AbsoluteUri), TestContext.Current.CancellationToken);
        await AssertProblemAsync(response, status);
    }

    [Theory]
    [InlineData("?state=forged")]
    [InlineData("?state=CfDJ8")]
    [InlineData("")]
    public async Task The_sign_out_callback_with_a_forged_or_missing_state_is_a_400_problem(string query)
    {
        using var browser = new HttpBrowser();
        using var response = await browser.GetAsync(new Uri(Bff.Address, BffPaths.SignOutCallback + query));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(BffProblems.BadSignOutState, problem.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("/é", "/%C3%A9")]
    [InlineData("/／／x", "/%EF%BC%8F%EF%BC%8Fx")]
    [InlineData("/a b?q=ü#frag", "/a%20b?q=%C3%BC#frag")]
    public async Task A_return_url_with_a_non_ascii_character_comes_back_percent_encoded_and_the_session_works(string returnUrl, string location)
    {
        using var browser = new HttpBrowser();
        using (var callback = await CallbackAsync(browser, returnUrl))
        {
            Assert.True(callback.StatusCode == HttpStatusCode.Redirect, $"The callback answered {(int)callback.StatusCode}: {await callback.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            Assert.Equal(location, Assert.Single(callback.Headers.GetValues("Location")));
        }

        var key = Assert.Single(await Bff.SessionKeysAsync());
        using (var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(Bff.Address, BffPaths.User).AbsoluteUri)))
        {
            Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        }

        await Bff.Services.GetRequiredService<Sessions.ISessionStore>().RemoveAsync(key, CancellationToken.None);
    }

    [Fact]
    public async Task A_sign_in_that_fails_after_its_session_was_stored_leaves_no_session_behind()
    {
        using var browser = new HttpBrowser();
        fixture.FaultAfterStore = true;
        try
        {
            using var callback = await CallbackAsync(browser, "/");
            Assert.True((int)callback.StatusCode >= 500, $"The injected fault did not fire: {(int)callback.StatusCode}.");
            Assert.Null(browser.CookieValue(Bff.Address, "__Host-bff"));
        }
        finally
        {
            fixture.FaultAfterStore = false;
        }

        // The row must not outlive the failed answer (removed once the response completed), and its refresh token dies at the server.
        await Eventually.TrueAsync(() => Bff.Logs.Any(line => line.Contains(" 3014: ", StringComparison.Ordinal)), "The BFF never logged the removed session");
        Assert.Empty(await Bff.SessionKeysAsync());
        Assert.Contains(Bff.Logs, line => line.Contains(" 3014: ", StringComparison.Ordinal) && line.Contains("revoked at the server: True", StringComparison.Ordinal));
    }

    /// <summary>Starts a sign-in with <paramref name="returnUrl"/>, signs alice in, and answers the BFF's callback response.</summary>
    private async Task<HttpResponseMessage> CallbackAsync(HttpBrowser browser, string returnUrl)
    {
        var (page, visited) = await browser.FollowAsync(new Uri(Bff.Address, $"{BffPaths.Login}?returnUrl={Uri.EscapeDataString(returnUrl)}"));
        using (page)
        {
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"Login answered {(int)page.StatusCode} at {visited[^1]}: {await page.Content.ReadAsStringAsync()}");
            var loginPage = visited[^1];
            using var posted = await browser.SubmitLoginAsync(loginPage, page, "alice", TestUsers.AlicePassword);
            Assert.True(Spa.IsRedirect(posted.StatusCode), $"The login form answered {(int)posted.StatusCode}.");
            var next = new Uri(loginPage, posted.Headers.Location!);
            for (var hop = 0; hop < 10; hop++)
            {
                var response = await browser.GetAsync(next);
                if (next.AbsolutePath == BffPaths.SignInCallback)
                {
                    return response;
                }

                Assert.True(Spa.IsRedirect(response.StatusCode), $"{next} answered {(int)response.StatusCode}.");
                next = new Uri(next, response.Headers.Location!);
                response.Dispose();
            }
        }

        throw new InvalidOperationException("The sign-in never reached the BFF's callback.");
    }

    /// <summary>
    /// Sends as a careful client does (`Expect: 100-continue`), so a body refused before it is read is never sent and the
    /// answer is seen; null when the BFF closed the connection while a body it had started to read was still arriving.
    /// </summary>
    private static async Task<HttpResponseMessage?> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        request.Headers.ExpectContinue = true;
        try
        {
            return await http.SendAsync(request);
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException)
        {
            return null;
        }
    }

    /// <summary>Whatever the sender saw: the BFF logged the refusal (when one is named) and no unhandled exception since <paramref name="from"/>.</summary>
    private void AssertRefusedWithoutFailure(int from, string? refusal)
    {
        var logs = Bff.Logs.Skip(from).ToList();
        Assert.DoesNotContain(logs, line => line.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase));
        if (refusal is not null)
        {
            Assert.Contains(logs, line => line.Contains(refusal, StringComparison.Ordinal));
        }
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text[..Math.Min(text.Length, 2_000)]}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    private static ByteArrayContent Form(string body) => Raw(body, "application/x-www-form-urlencoded");

    private static ByteArrayContent Raw(string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }
}
