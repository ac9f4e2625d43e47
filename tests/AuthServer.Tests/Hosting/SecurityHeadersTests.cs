using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AuthServer.Tests;

/// <summary>
/// Every answer, whoever wrote it (our endpoints, OpenIddict, the error handler, routing's 404), carries nosniff and
/// no-referrer; every HTML page refuses framing; answers with tokens or personal data are never cached.
/// </summary>
public sealed partial class SecurityHeadersTests(ExplicitConsentServer server) : IClassFixture<ExplicitConsentServer>
{
    [Fact]
    public async Task Every_endpoint_answers_with_nosniff_and_no_referrer_and_every_page_refuses_framing()
    {
        var answers = await VisitEveryEndpointAsync();

        Assert.True(answers.Count(a => a.Html) >= 6, "Expected the login, consent, form_post and signed-out pages among the answers.");
        foreach (var (name, response, html) in answers)
        {
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", $"{name}: no nosniff");
            Assert.True(response.Headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", $"{name}: no Referrer-Policy");
            Assert.True(response.Headers.TryGetValues("X-Frame-Options", out var frame) && frame.Single() == "DENY", $"{name}: no X-Frame-Options DENY");
            Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{name}: no CSP");
            Assert.Contains("frame-ancestors 'none'", csp.Single(), StringComparison.Ordinal);
            Assert.Equal(html, response.Content.Headers.ContentType?.MediaType == "text/html");
            Assert.False(response.Headers.Contains("Strict-Transport-Security"), $"{name}: HSTS in Development");
        }
    }

    [Fact]
    public async Task Answers_carrying_tokens_or_personal_data_are_never_cached()
    {
        var answers = await VisitEveryEndpointAsync();

        string[] sensitive = ["token success", "token error", "revocation", "userinfo", "admin users", "admin 404", "login GET", "login POST failed", "consent", "end-session page"];
        foreach (var name in sensitive)
        {
            var response = answers.Single(a => a.Name == name).Response;
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{name}: Cache-Control is '{response.Headers.CacheControl}'");
        }

        // Public metadata is left as the endpoint answers it: its caching is decided where it is served.
        Assert.NotEqual(true, answers.Single(a => a.Name == "discovery").Response.Headers.CacheControl?.NoStore);
        Assert.NotEqual(true, answers.Single(a => a.Name == "jwks").Response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task The_form_post_page_keeps_its_auto_submit_script_allowed_and_the_pages_use_one_stylesheet_and_no_inline_style()
    {
        var answers = await VisitEveryEndpointAsync();

        var formPost = answers.Single(a => a.Name == "form_post page").Response;
        var html = await formPost.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var csp = formPost.Headers.GetValues("Content-Security-Policy").Single();
        var scripts = Script().Matches(html).Select(match => match.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)));
            Assert.Contains($"'sha256-{hash}'", csp, StringComparison.Ordinal);
        }

        foreach (var page in answers.Where(a => a.Html && a.Name != "form_post page"))
        {
            var text = await page.Response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Contains("<link rel=\"stylesheet\" href=\"/css/site.css\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("<style", text, StringComparison.Ordinal);
            Assert.DoesNotContain("style=", text, StringComparison.Ordinal);
            var policy = page.Response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("style-src 'self';", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("'unsafe-inline'", policy, StringComparison.Ordinal);
        }

        var stylesheet = answers.Single(a => a.Name == "stylesheet").Response;
        Assert.Equal(HttpStatusCode.OK, stylesheet.StatusCode);
        Assert.Equal("text/css", stylesheet.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Development_sends_no_hsts_even_over_https()
    {
        using var https = server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://id.example.test/") });

        using var response = await https.GetAsync(Endpoints.Discovery, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    private sealed record Answer(string Name, HttpResponseMessage Response, bool Html);

    /// <summary>One request to each endpoint, the interactive ones through a cookie-keeping browser.</summary>
    private async Task<List<Answer>> VisitEveryEndpointAsync()
    {
        var answers = new List<Answer>();
        using var browser = new BrowserClient(server);
        var http = browser.Http;
        var tokens = new TokenClient(http);
        var user = await server.CreateUserAsync();

        async Task Add(string name, Func<Task<HttpResponseMessage>> send, bool html = false)
        {
            var response = await send();
            await response.Content.LoadIntoBufferAsync();
            answers.Add(new Answer(name, response, html));
        }

        Task<HttpResponseMessage> PostForm(string path, Dictionary<string, string> form) => http.PostAsync(path, new FormUrlEncodedContent(form));

        await Add("discovery", () => http.GetAsync(Endpoints.Discovery));
        await Add("jwks", () => http.GetAsync(Endpoints.Jwks));
        await Add("token success", () => PostForm(Endpoints.Token, new()
        {
            ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = user.UserName!, ["password"] = TestUsers.Password,
            ["scope"] = "openid profile offline_access api",
        }));
        var issued = await TokenClient.ReadAsync(answers[^1].Response);
        await Add("token error", () => PostForm(Endpoints.Token, new()
        {
            ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = user.UserName!, ["password"] = "Wrong-Guess-1234!",
        }));
        await Add("revocation", () => PostForm(Endpoints.Revocation, new() { ["token"] = "not-a-token", ["client_id"] = TokenClient.Spa }));
        await Add("userinfo", () => SendWithBearer(http, HttpMethod.Get, Endpoints.UserInfo, issued.AccessToken!));
        await Add("userinfo refused", () => http.GetAsync(Endpoints.UserInfo));
        var ops = (await tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        await Add("admin users", () => SendWithBearer(http, HttpMethod.Get, "/admin/users", ops));
        await Add("admin 404", () => SendWithBearer(http, HttpMethod.Get, "/admin/users/nobody-at-all", ops));
        await Add("admin refused", () => http.GetAsync("/admin/users"));
        await Add("health", () => http.GetAsync("/health/live"));
        await Add("stylesheet", () => http.GetAsync("/css/site.css"));
        await Add("not found", () => http.GetAsync("/no/such/page"));
        await Add("authorize error", () => http.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), clientId: "nobody")));

        var pkce = Pkce.Create();
        await Add("authorize", () => http.GetAsync(BrowserClient.AuthorizeUrl(pkce)));
        var login = browser.LocationOf(answers[^1].Response).PathAndQuery;
        await Add("login GET", () => http.GetAsync(login), html: true);
        await Add("login POST failed", () => browser.PostLoginAsync(login, user.UserName!, "Wrong-Guess-1234!"), html: true);
        await Add("login POST", () => browser.PostLoginAsync(login, user.UserName!, TestUsers.Password));
        var back = browser.LocationOf(answers[^1].Response).PathAndQuery;
        await Add("consent", () => http.GetAsync(back), html: true);
        var consent = await answers[^1].Response.Content.ReadAsStringAsync();
        await Add("consent POST", () => PostForm(Endpoints.Authorization, HiddenFields(consent, "accept")));
        await Add("form_post page", () => http.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(),
            extra: new Dictionary<string, string> { ["response_mode"] = "form_post" })), html: true);
        await Add("end-session confirmation", () => http.GetAsync(
            $"{Endpoints.EndSession}?client_id=spa&post_logout_redirect_uri={Uri.EscapeDataString(BrowserClient.PostLogoutRedirectUri)}"), html: true);
        await Add("end-session page", () => http.GetAsync(Endpoints.EndSession), html: true);
        await Add("end-session POST", () => PostForm(Endpoints.EndSession, new() { ["client_id"] = TokenClient.Spa }), html: true);

        Assert.Equal(HttpStatusCode.OK, answers.Single(a => a.Name == "token success").Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answers.Single(a => a.Name == "userinfo").Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answers.Single(a => a.Name == "admin users").Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, answers.Single(a => a.Name == "not found").Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answers.Single(a => a.Name == "consent").Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answers.Single(a => a.Name == "form_post page").Response.StatusCode);
        return answers;
    }

    private static async Task<HttpResponseMessage> SendWithBearer(HttpClient http, HttpMethod method, string path, string token)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static Dictionary<string, string> HiddenFields(string html, string decision)
    {
        var form = HiddenField().Matches(html).ToDictionary(
            match => WebUtility.HtmlDecode(match.Groups[1].Value), match => WebUtility.HtmlDecode(match.Groups[2].Value), StringComparer.Ordinal);
        form["consent"] = decision;
        return form;
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\" ?/?>")]
    private static partial Regex HiddenField();

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex Script();
}

/// <summary>HSTS: outside Development, over HTTPS, for a real host name.</summary>
public sealed class ProductionSecurityHeadersTests : IDisposable
{
    private readonly ProductionServerFactory _server = new();

    [Fact]
    public async Task Outside_development_https_answers_carry_hsts_with_the_configured_max_age()
    {
        using var https = _server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://id.example.test/") });

        using var discovery = await https.GetAsync(Endpoints.Discovery, TestContext.Current.CancellationToken);
        using var notFound = await https.GetAsync("/no/such/page", TestContext.Current.CancellationToken);
        using var token = await https.PostAsync(Endpoints.Token, new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password" }), TestContext.Current.CancellationToken);

        foreach (var response in new[] { discovery, notFound, token })
        {
            Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Theory]
    [InlineData("http://id.example.test/")]
    [InlineData("https://localhost/")]
    public async Task Hsts_is_not_sent_over_plain_http_or_to_localhost(string baseAddress)
    {
        using var client = _server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress) });

        using var response = await client.GetAsync(Endpoints.Discovery, TestContext.Current.CancellationToken);

        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    public void Dispose() => _server.Dispose();
}
