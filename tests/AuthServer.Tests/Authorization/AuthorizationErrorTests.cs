using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthServer.Tests;

/// <summary>
/// Once the client and its redirect URI are known good, authorization errors go back to the
/// client (RFC 6749 §4.1.2.1, RFC 9207); prompt and max_age as OIDC Core §3.1.2.1 has them; oversized parameters are
/// refused up front.
/// </summary>
public sealed class AuthorizationErrorTests(AuthServerFactory factory) : IClassFixture<AuthServerFactory>
{
    private const string Issuer = "http://localhost:5000/";

    // Item 15.
    [Theory]
    [InlineData("scope", "openid no-such-scope", "invalid_scope")]
    [InlineData("code_challenge_method", "plain", "invalid_request")]
    [InlineData("request", "eyJhbGciOiJub25lIn0.e30.", "request_not_supported")]
    public async Task A_refusal_after_the_redirect_uri_is_known_good_goes_to_the_client(string name, string value, string error)
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), state: "s-15", extra: new Dictionary<string, string> { [name] = value }));

        var answer = AtClient(browser, response);
        Assert.Equal(error, answer["error"]);
        Assert.True(answer.ContainsKey("error_description"));
        Assert.Equal("s-15", answer["state"]);
        Assert.Equal(Issuer, answer["iss"]);
    }

    // OpenIddict names a scope outside the client's permissions invalid_request; RFC 6749 §4.1.2.1 says invalid_scope.
    [Fact]
    public async Task A_scope_the_client_may_not_use_goes_back_to_the_client_as_invalid_scope()
    {
        const string BffCallback = "http://localhost:5175/bff/signin-oidc";
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), state: "s-17", clientId: "bff", redirectUri: BffCallback,
            extra: new Dictionary<string, string> { ["scope"] = "openid ops" }));

        var location = browser.LocationOf(response);
        Assert.Equal(BffCallback, location.GetLeftPart(UriPartial.Path));
        var answer = BrowserClient.QueryOf(location);
        Assert.Equal("invalid_scope", answer["error"]);
        Assert.Equal("s-17", answer["state"]);
    }

    // Item 15: RFC 6749 §4.2.2.1, an implicit-flow request hears back in the fragment.
    [Fact]
    public async Task Response_type_token_is_refused_at_the_redirect_uri()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), state: "s-token", extra: new Dictionary<string, string> { ["response_type"] = "token" }));

        var answer = AtClient(browser, response);
        Assert.Equal("unsupported_response_type", answer["error"]);
        Assert.Equal("s-token", answer["state"]);
    }

    // Item 15: a second defect in a request with an unregistered redirect URI must not make it a redirect target.
    [Fact]
    public async Task A_refusal_with_an_unregistered_redirect_uri_is_never_redirected()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), redirectUri: "https://evil.example/callback",
            extra: new Dictionary<string, string> { ["scope"] = "openid no-such-scope", ["response_type"] = "token" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    // Item 15: OIDC Core §3.1.2.1, prompt=consent must show the consent screen even when none would be needed.
    [Fact]
    public async Task Prompt_consent_shows_the_consent_screen_to_a_signed_in_user()
    {
        using var browser = new BrowserClient(factory);
        await browser.SignInAsync(BrowserClient.AuthorizeUrl(Pkce.Create()), "alice", TestUsers.AlicePassword);

        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "consent" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("name=\"consent\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    // Item 15: OIDC Core §3.1.2.1, select_account may be treated as a login prompt; it must not be ignored.
    [Fact]
    public async Task Prompt_select_account_asks_for_a_login_again()
    {
        using var browser = new BrowserClient(factory);
        await browser.SignInAsync(BrowserClient.AuthorizeUrl(Pkce.Create()), "alice", TestUsers.AlicePassword);

        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "select_account" }));

        Assert.Equal("/account/login", browser.LocationOf(response).AbsolutePath);
    }

    // Item 15: OIDC Core §3.1.2.1, max_age=0 means no earlier authentication is recent enough.
    [Fact]
    public async Task Max_age_zero_asks_for_a_fresh_login()
    {
        using var browser = new BrowserClient(factory);
        await browser.SignInAsync(BrowserClient.AuthorizeUrl(Pkce.Create()), "alice", TestUsers.AlicePassword);

        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["max_age"] = "0" }));

        Assert.Equal("/account/login", browser.LocationOf(response).AbsolutePath);
    }

    // Item 15: max_age is a non-negative integer; anything else is invalid_request at the client.
    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("")]
    public async Task A_malformed_max_age_is_refused_at_the_redirect_uri(string maxAge)
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), state: "s-age", extra: new Dictionary<string, string> { ["max_age"] = maxAge }));

        var answer = AtClient(browser, response);
        Assert.Equal("invalid_request", answer["error"]);
        Assert.Equal("s-age", answer["state"]);
    }

    // Item 17: a 9 KB state would make the login URL too long for the server (414): refused up front, at the client,
    // without echoing the oversized state into the redirect.
    [Fact]
    public async Task An_oversized_state_is_refused_at_the_redirect_uri()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), state: new string('s', 9 * 1024)));

        var answer = AtClient(browser, response);
        Assert.Equal("invalid_request", answer["error"]);
        Assert.False(answer.ContainsKey("state"));
    }

    // Item 17: many parameters of a few KB each add up to the same too-long login URL.
    [Fact]
    public async Task An_oversized_request_is_refused_at_the_redirect_uri()
    {
        using var browser = new BrowserClient(factory);
        var extra = Enumerable.Range(0, 5).ToDictionary(i => $"x{i}", _ => new string('/', 1500));
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), state: "s-big", extra: extra));

        var answer = AtClient(browser, response);
        Assert.Equal("invalid_request", answer["error"]);
        Assert.Equal("s-big", answer["state"]);
    }

    // Item 17: without a known good redirect URI the refusal is the error page.
    [Fact]
    public async Task An_oversized_parameter_from_an_unknown_client_gets_the_error_page()
    {
        using var browser = new BrowserClient(factory);
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), clientId: "nobody", state: new string('s', 9 * 1024)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    /// <summary>The parameters of a redirect to the registered redirect URI, from the query or the fragment.</summary>
    private static Dictionary<string, string> AtClient(BrowserClient browser, HttpResponseMessage response)
    {
        var location = browser.LocationOf(response);
        Assert.Equal(BrowserClient.RedirectUri, location.GetLeftPart(UriPartial.Path));
        var answer = BrowserClient.QueryOf(location);
        foreach (var (key, value) in QueryHelpers.ParseQuery(location.Fragment.TrimStart('#')))
        {
            answer[key] = value.ToString();
        }

        return answer;
    }
}
