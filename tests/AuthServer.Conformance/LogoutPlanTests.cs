using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Conformance;

/// <summary>
/// oidcc-rp-initiated-logout-certification-test-plan and the back-channel plan's discovery module: RP-Initiated Logout 1.0
/// at the end_session_endpoint, after a normal code flow of the `spa` client.
/// </summary>
public sealed class LogoutPlanTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private const string PostLogout = BrowserClient.PostLogoutRedirectUri;

    // The discovery document names an end_session_endpoint on the issuer.
    [Fact]
    public async Task oidcc_rp_initiated_logout_discovery_endpoint_verification()
    {
        using var http = server.CreateClient();
        var metadata = await OidcChecks.DiscoveryAsync(http);
        var issuer = new Uri(metadata.GetProperty("issuer").GetString()!);
        var endSession = new Uri(metadata.GetProperty("end_session_endpoint").GetString()!);
        Assert.True(endSession.Scheme == issuer.Scheme && endSession.Authority == issuer.Authority, $"{endSession} is not on {issuer}");
    }

    // backchannel_logout_supported and backchannel_logout_session_supported are true, with an end_session_endpoint.
    [Fact]
    public async Task oidcc_backchannel_logout_discovery_endpoint_verification()
    {
        using var http = server.CreateClient();
        var metadata = await OidcChecks.DiscoveryAsync(http);
        Assert.True(metadata.TryGetProperty("end_session_endpoint", out _), "No end_session_endpoint.");
        foreach (var flag in new[] { "backchannel_logout_supported", "backchannel_logout_session_supported" })
        {
            Assert.True(metadata.TryGetProperty(flag, out var value) && value.ValueKind == JsonValueKind.True, $"{flag} is not true.");
        }
    }

    // id_token_hint, post_logout_redirect_uri and state: back to the client with the state, and the session is gone.
    [Fact]
    public async Task oidcc_rp_initiated_logout()
    {
        using var rp = new RelyingParty(server);
        var flow = await rp.SignInFlowAsync(await server.CreateUserAsync());
        using var response = await rp.Browser.GetAsync(EndSession(("id_token_hint", IdToken(flow)), ("post_logout_redirect_uri", PostLogout), ("state", "bye")));
        var back = rp.Browser.LocationOf(response);
        Assert.Equal(PostLogout, back.GetLeftPart(UriPartial.Path));
        Assert.Equal("bye", BrowserClient.QueryOf(back)["state"]);
        await LoggedOutAsync(rp);
    }

    // As above without state: back to the client with no state, and the session is gone.
    [Fact]
    public async Task oidcc_rp_initiated_logout_no_state()
    {
        using var rp = new RelyingParty(server);
        var flow = await rp.SignInFlowAsync(await server.CreateUserAsync());
        using var response = await rp.Browser.GetAsync(EndSession(("id_token_hint", IdToken(flow)), ("post_logout_redirect_uri", PostLogout)));
        var back = rp.Browser.LocationOf(response);
        Assert.Equal(PostLogout, back.GetLeftPart(UriPartial.Path));
        Assert.False(BrowserClient.QueryOf(back).ContainsKey("state"));
        await LoggedOutAsync(rp);
    }

    // An unregistered post_logout_redirect_uri: no redirect there; an error page or a confirmation.
    [Fact]
    public async Task oidcc_rp_initiated_logout_bad_post_logout_redirect_uri()
    {
        using var rp = new RelyingParty(server);
        var flow = await rp.SignInFlowAsync(await server.CreateUserAsync());
        await NoRedirectAsync(rp, ("id_token_hint", IdToken(flow)), ("post_logout_redirect_uri", "https://attacker.example/logged-out"), ("state", "bye"));
    }

    // The registered post_logout_redirect_uri with ?foo=bar added: no redirect; an error page or a confirmation.
    [Fact]
    public async Task oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri()
    {
        using var rp = new RelyingParty(server);
        var flow = await rp.SignInFlowAsync(await server.CreateUserAsync());
        await NoRedirectAsync(rp, ("id_token_hint", IdToken(flow)), ("post_logout_redirect_uri", PostLogout + "?foo=bar"), ("state", "bye"));
    }

    // The id_token_hint re-encoded with alg none: no redirect; an error page or a confirmation.
    [Fact]
    public async Task oidcc_rp_initiated_logout_modified_id_token_hint()
    {
        using var rp = new RelyingParty(server);
        var flow = await rp.SignInFlowAsync(await server.CreateUserAsync());
        var parts = IdToken(flow).Split('.');
        var unsigned = $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}.";
        await NoRedirectAsync(rp, ("id_token_hint", unsigned), ("post_logout_redirect_uri", PostLogout), ("state", "bye"));
    }

    // An id_token_hint signed by a key of the suite's own: no redirect; an error page or a confirmation.
    [Fact]
    public async Task oidcc_rp_initiated_logout_bad_id_token_hint()
    {
        using var rp = new RelyingParty(server);
        var flow = await rp.SignInFlowAsync(await server.CreateUserAsync());
        using var rsa = RSA.Create(2048);
        var forged = new JsonWebTokenHandler().CreateToken(Base64UrlEncoder.Decode(flow.IdToken.EncodedPayload),
            new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "suite-key" }, SecurityAlgorithms.RsaSha256));
        await NoRedirectAsync(rp, ("id_token_hint", forged), ("post_logout_redirect_uri", PostLogout), ("state", "bye"));
    }

    // post_logout_redirect_uri without id_token_hint: no redirect; an error page or a confirmation.
    [Fact]
    public async Task oidcc_rp_initiated_logout_no_id_token_hint()
    {
        using var rp = new RelyingParty(server);
        await rp.SignInFlowAsync(await server.CreateUserAsync());
        await NoRedirectAsync(rp, ("post_logout_redirect_uri", PostLogout), ("state", "bye"));
    }

    // No parameters: the user is logged out (after confirming), on the server's "signed out" page.
    [Fact]
    public async Task oidcc_rp_initiated_logout_no_params()
    {
        using var rp = new RelyingParty(server);
        await rp.SignInFlowAsync(await server.CreateUserAsync());
        await LogOutOnPageAsync(rp, EndSession());
    }

    // id_token_hint without post_logout_redirect_uri: logged out on the server's own page.
    [Fact]
    public async Task oidcc_rp_initiated_logout_no_post_logout_redirect_uri()
    {
        using var rp = new RelyingParty(server);
        var flow = await rp.SignInFlowAsync(await server.CreateUserAsync());
        await LogOutOnPageAsync(rp, EndSession(("id_token_hint", IdToken(flow))));
    }

    // Only state: logged out (after confirming) on the server's own page.
    [Fact]
    public async Task oidcc_rp_initiated_logout_only_state()
    {
        using var rp = new RelyingParty(server);
        await rp.SignInFlowAsync(await server.CreateUserAsync());
        await LogOutOnPageAsync(rp, EndSession(("state", "bye")));
    }

    private static string IdToken(FlowResult flow) => flow.Tokens.Get("id_token")!;

    private static string EndSession(params (string Key, string? Value)[] parameters) =>
        QueryHelpers.AddQueryString(Endpoints.EndSession, parameters.Select(p => KeyValuePair.Create(p.Key, p.Value)));

    /// <summary>What the screenshot shows: no redirect anywhere, the server's "Sign out?" confirmation or an error saying why, and the session intact.</summary>
    private static async Task NoRedirectAsync(RelyingParty rp, params (string Key, string? Value)[] parameters)
    {
        // As a browser asks (Accept: text/html): what the suite's screenshot would show is a page.
        using var request = new HttpRequestMessage(HttpMethod.Get, EndSession(parameters)) { Headers = { { "Accept", "text/html,application/xhtml+xml" } } };
        using var response = await rp.Browser.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(response.Headers.Location is null, $"Redirected to {response.Headers.Location}");
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(body.Contains("Sign out?", StringComparison.Ordinal) || body.Contains("Sign-out failed", StringComparison.Ordinal)
            || body.Contains("id=\"error-description\"", StringComparison.Ordinal), $"Neither a confirmation nor an error page that says why: {body}");
        using var silent = await rp.Browser.GetAsync(rp.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "none" }));
        Assert.True((await rp.AnswerAsync(rp.ToClient(silent))).ContainsKey("code"), "The session ended without the user confirming.");
    }

    /// <summary>Logs out on the server's pages (confirming when asked), ends on a page of its own, and the session is gone.</summary>
    private static async Task LogOutOnPageAsync(RelyingParty rp, string url)
    {
        using var page = await rp.Browser.GetAsync(url);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var done = html.Contains("Sign out?", StringComparison.Ordinal) ? await rp.Browser.SubmitFormAsync(url) : null;
        var final = done ?? page;
        Assert.True(final.StatusCode == HttpStatusCode.OK, $"Expected the signed-out page, got {(int)final.StatusCode} {final.Headers.Location}");
        await LoggedOutAsync(rp);
    }

    /// <summary>The suite's follow-up: prompt=none now answers an error, the user being logged out.</summary>
    private static async Task LoggedOutAsync(RelyingParty rp)
    {
        using var silent = await rp.Browser.GetAsync(rp.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "none" }));
        Assert.Equal("login_required", (await rp.AnswerAsync(rp.ToClient(silent)))["error"]);
    }
}
