using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;

namespace AuthServer.Tests;

/// <summary>The demo SPA registered with explicit consent, so the consent screen is shown.</summary>
public sealed class ExplicitConsentServer : AuthServerFactory
{
    public ExplicitConsentServer() => Set("Catalog:Clients:spa:ConsentType", "explicit");
}

public sealed partial class ConsentTests(ExplicitConsentServer factory) : IClassFixture<ExplicitConsentServer>
{
    [Fact]
    public async Task An_explicit_consent_client_shows_the_screen_and_accepting_issues_a_code_that_is_remembered()
    {
        using var browser = new BrowserClient(factory);
        var user = await factory.CreateUserAsync();
        var pkce = Pkce.Create();
        using var screen = await SignInToConsentScreenAsync(browser, pkce, user.UserName!, TestUsers.Password);

        using var accepted = await PostConsentAsync(browser, await screen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), ConsentDecision.Accept);
        var callback = browser.LocationOf(accepted);
        Assert.Equal(BrowserClient.RedirectUri, callback.GetLeftPart(UriPartial.Path));
        (await browser.RedeemAsync(BrowserClient.QueryOf(callback)["code"], pkce.Verifier)).ShouldSucceed();

        using var silent = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "none" }));
        Assert.True(BrowserClient.QueryOf(browser.LocationOf(silent)).ContainsKey("code"), "The consent given is remembered.");
    }

    [Fact]
    public async Task Denying_consent_answers_access_denied_at_the_redirect_uri()
    {
        using var browser = new BrowserClient(factory);
        var user = await factory.CreateUserAsync();
        using var screen = await SignInToConsentScreenAsync(browser, Pkce.Create(), user.UserName!, TestUsers.Password);

        using var denied = await PostConsentAsync(browser, await screen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), ConsentDecision.Deny);
        Assert.Equal("access_denied", BrowserClient.QueryOf(browser.LocationOf(denied))["error"]);
    }

    [Fact]
    public async Task A_consent_post_without_the_antiforgery_token_issues_nothing()
    {
        using var browser = new BrowserClient(factory);
        var user = await factory.CreateUserAsync();
        using var screen = await SignInToConsentScreenAsync(browser, Pkce.Create(), user.UserName!, TestUsers.Password);

        using var forged = await PostConsentAsync(browser, await screen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), ConsentDecision.Accept, withToken: false);
        Assert.Equal(HttpStatusCode.OK, forged.StatusCode);
        Assert.Null(forged.Headers.Location);
    }

    [Fact]
    public async Task Prompt_none_before_consent_answers_consent_required()
    {
        using var browser = new BrowserClient(factory);
        var user = await factory.CreateUserAsync();
        using var screen = await SignInToConsentScreenAsync(browser, Pkce.Create(), user.UserName!, TestUsers.Password);

        using var silent = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "none" }));
        Assert.Equal("consent_required", BrowserClient.QueryOf(browser.LocationOf(silent))["error"]);
    }

    // OIDC Core §3.1.2.1: prompt=consent asks again even when consent is remembered.
    [Fact]
    public async Task Prompt_consent_asks_again_after_consent_was_remembered()
    {
        using var browser = new BrowserClient(factory);
        var user = await factory.CreateUserAsync();
        using var screen = await SignInToConsentScreenAsync(browser, Pkce.Create(), user.UserName!, TestUsers.Password);
        using var accepted = await PostConsentAsync(browser, await screen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), ConsentDecision.Accept);
        Assert.True(BrowserClient.QueryOf(browser.LocationOf(accepted)).ContainsKey("code"));

        var pkce = Pkce.Create();
        using var again = await browser.GetAsync(BrowserClient.AuthorizeUrl(pkce, extra: new Dictionary<string, string> { ["prompt"] = "consent" }));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        using var reaccepted = await PostConsentAsync(browser, await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), ConsentDecision.Accept);
        (await browser.RedeemAsync(BrowserClient.QueryOf(browser.LocationOf(reaccepted))["code"], pkce.Verifier)).ShouldSucceed();
    }

    private enum ConsentDecision
    {
        Accept,
        Deny,
    }

    // Each test signs in a user of its own: a consent one test gives is remembered, and xunit does not run them in file order.
    private static async Task<HttpResponseMessage> SignInToConsentScreenAsync(BrowserClient browser, Pkce pkce, string userName, string password)
    {
        using var first = await browser.GetAsync(BrowserClient.AuthorizeUrl(pkce));
        var login = browser.LocationOf(first);
        using var posted = await browser.PostLoginAsync(login.PathAndQuery, userName, password);
        var screen = await browser.GetAsync(browser.LocationOf(posted).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, screen.StatusCode);
        Assert.Equal("DENY", screen.Headers.GetValues("X-Frame-Options").Single());
        return screen;
    }

    private static async Task<HttpResponseMessage> PostConsentAsync(BrowserClient browser, string html, ConsentDecision decision, bool withToken = true)
    {
        var form = HiddenField().Matches(html)
            .Select(match => KeyValuePair.Create(WebUtility.HtmlDecode(match.Groups[1].Value), WebUtility.HtmlDecode(match.Groups[2].Value)))
            .Where(pair => withToken || pair.Key != "__RequestVerificationToken")
            .Append(KeyValuePair.Create("consent", decision == ConsentDecision.Accept ? "accept" : "deny"));
        using var content = new FormUrlEncodedContent(form);
        return await browser.Http.PostAsync(Endpoints.Authorization, content);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\" ?/?>")]
    private static partial Regex HiddenField();
}
