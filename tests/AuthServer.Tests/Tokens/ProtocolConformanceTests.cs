using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests;

/// <summary>Each defect found by probing the endpoints with hostile input, one named test each, over real HTTP.</summary>
public sealed class ProtocolConformanceTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private const string Issuer = "http://localhost:5000/";

    private readonly TokenClient _client = new(server.CreateClient());

    // Item 1: RFC 8414 §3.3, OIDC Discovery §4.3: every advertised URL belongs to the configured issuer.
    [Fact]
    public async Task Discovery_derives_every_url_from_the_issuer_whatever_the_Host_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Endpoints.Discovery);
        request.Headers.Host = "evil.example";

        using var response = await _client.Http.SendAsync(request, TestContext.Current.CancellationToken);

        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(Issuer, document.GetProperty("issuer").GetString());
        var urls = document.EnumerateObject().Where(p => p.Name.EndsWith("_endpoint", StringComparison.Ordinal) || p.Name == "jwks_uri").ToList();
        Assert.True(urls.Count >= 6, document.ToString());
        Assert.All(urls, url => Assert.StartsWith(Issuer, url.Value.GetString(), StringComparison.Ordinal));
    }

    // Item 1: public metadata may sit in shared caches, but only briefly (docs/resource-servers.md, key rollover).
    [Theory]
    [InlineData(Endpoints.Discovery, 3600)]
    [InlineData(Endpoints.Jwks, 300)]
    public async Task Discovery_and_jwks_are_publicly_cacheable_for_a_bounded_time(string path, int maxAge)
    {
        using var response = await _client.Http.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cacheControl = response.Headers.CacheControl;
        Assert.NotNull(cacheControl);
        Assert.True(cacheControl.Public, cacheControl.ToString());
        Assert.Equal(TimeSpan.FromSeconds(maxAge), cacheControl.MaxAge);
    }

    // Item 3: RFC 9068 §2.2, RFC 8707: the audience follows the scopes granted at this refresh.
    [Theory]
    [InlineData("openid", new string[0])]
    [InlineData("offline_access", new string[0])]
    [InlineData("openid api", new[] { "resource-api" })]
    public async Task Narrowing_the_scope_at_refresh_narrows_the_audience(string narrowed, string[] audiences)
    {
        var first = (await _client.PasswordAsync("alice", TestUsers.AlicePassword, "openid offline_access api ops")).ShouldSucceed();

        var refreshed = (await _client.PostAsync(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = TokenClient.Spa, ["refresh_token"] = first.RefreshToken!, ["scope"] = narrowed,
        })).ShouldSucceed();

        var token = new JsonWebToken(refreshed.AccessToken);
        Assert.Equal(audiences.Order(), token.Audiences.Order());
    }

    // Item 4: OIDC Core §2: an id token asserts that an end user signed in; client credentials involve none.
    [Fact]
    public async Task Client_credentials_with_openid_is_refused_with_invalid_scope_and_no_id_token()
    {
        var response = await _client.ClientCredentialsAsync(scope: "ops openid");

        response.ShouldFail(HttpStatusCode.BadRequest, "invalid_scope");
        Assert.Null(response.Get("id_token"));
    }

    // Item 9: RFC 7636 §4.1: 43 to 128 characters of [A-Z] [a-z] [0-9] - . _ ~.
    [Theory]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(129)]
    [InlineData(-1)]
    public async Task A_malformed_code_verifier_is_refused_and_burns_the_code(int length)
    {
        using var browser = new BrowserClient(server);
        var pkce = MatchingPkce(length < 0 ? "abc+def/ghi=" + new string('a', 40) : new string('a', length));
        var code = BrowserClient.QueryOf(await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce), "alice", TestUsers.AlicePassword))["code"];

        var response = await browser.RedeemAsync(code, pkce.Verifier);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Null(response.AccessToken);
    }

    // Item 9: RFC 7636 §4.6 and RFC 6749 §10.5: a code is for one attempt; a wrong verifier must not leave it redeemable.
    [Fact]
    public async Task A_wrong_code_verifier_burns_the_code()
    {
        using var browser = new BrowserClient(server);
        var pkce = Pkce.Create();
        var code = BrowserClient.QueryOf(await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce), "alice", TestUsers.AlicePassword))["code"];

        (await browser.RedeemAsync(code, Pkce.Create().Verifier)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await browser.RedeemAsync(code, pkce.Verifier)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    // Item 9: RFC 7636 §4.2: an S256 challenge is BASE64URL(SHA256(verifier)), exactly 43 characters.
    [Theory]
    [InlineData(42)]
    [InlineData(44)]
    [InlineData(129)]
    [InlineData(1000)]
    public async Task A_code_challenge_that_is_not_43_base64url_characters_is_refused(int length)
    {
        using var browser = new BrowserClient(server);
        var url = BrowserClient.AuthorizeUrl(new Pkce("unused", new string('A', length)));

        using var response = await browser.GetAsync(url);

        AssertAuthorizeRefused(browser, response, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), "invalid_request");
    }

    // Item 10: RFC 6749 §3.1: request and response parameters must not be included more than once.
    [Theory]
    [InlineData("scope")]
    [InlineData("grant_type")]
    [InlineData("client_id")]
    public async Task A_duplicated_parameter_at_the_token_endpoint_is_refused_with_invalid_request(string parameter)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"), new("client_id", TokenClient.Ops), new("client_secret", TokenClient.OpsSecret), new("scope", "ops"),
        };
        form.Add(form.First(pair => pair.Key == parameter));

        using var response = await _client.Http.PostAsync(Endpoints.Token, new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);

        (await TokenClient.ReadAsync(response)).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task A_duplicated_parameter_at_the_revocation_endpoint_is_refused_with_invalid_request()
    {
        var tokens = (await _client.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();
        var form = new List<KeyValuePair<string, string>>
        {
            new("token", tokens.RefreshToken!), new("token", tokens.RefreshToken!), new("client_id", TokenClient.Spa),
        };

        using var response = await _client.Http.PostAsync(Endpoints.Revocation, new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);

        (await TokenClient.ReadAsync(response)).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
    }

    [Fact]
    public async Task A_duplicated_parameter_at_the_authorization_endpoint_is_refused_with_invalid_request()
    {
        using var browser = new BrowserClient(server);
        var url = BrowserClient.AuthorizeUrl(Pkce.Create()) + "&state=second";

        using var response = await browser.GetAsync(url);

        AssertAuthorizeRefused(browser, response, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), "invalid_request");
    }

    // Item 11: RFC 6749 §5.1: `scope` is required in the response when it differs from the request.
    [Fact]
    public async Task A_narrower_grant_than_requested_names_the_granted_scope()
    {
        var response = (await _client.PasswordAsync("bob", TestUsers.BobPassword, "openid api ops")).ShouldSucceed();

        Assert.Equal(["api", "openid"], response.Get("scope")!.Split(' ').Order());
    }

    // Item 11: with nothing of the request grantable there is no scope to name (RFC 6749 §3.3: fail with invalid_scope).
    [Fact]
    public async Task A_request_of_which_no_scope_can_be_granted_is_refused_with_invalid_scope()
    {
        var response = await _client.PasswordAsync("bob", TestUsers.BobPassword, "ops");

        response.ShouldFail(HttpStatusCode.BadRequest, "invalid_scope");
    }

    // Item 12: RFC 6749 §2.3: one authentication method per request; a body client_id that contradicts Basic is refused.
    [Fact]
    public async Task Basic_credentials_with_a_different_client_id_in_the_body_are_refused_with_invalid_request()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.Token)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = TokenClient.Spa, ["scope"] = "ops" }),
        };
        request.Headers.Authorization = Basic($"{TokenClient.Ops}:{TokenClient.OpsSecret}");

        using var response = await _client.Http.SendAsync(request, TestContext.Current.CancellationToken);

        (await TokenClient.ReadAsync(response)).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
    }

    // Item 12: RFC 6749 §5.2: failed client authentication through Basic is 401 invalid_client with WWW-Authenticate.
    [Theory]
    [InlineData("no-colon")]
    [InlineData("bad-base64")]
    [InlineData("two-headers")]
    public async Task A_failed_basic_authentication_is_401_invalid_client_with_a_basic_challenge(string failure)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.Token)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "ops" }),
        };
        var valid = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TokenClient.Ops}:{TokenClient.OpsSecret}"));
        switch (failure)
        {
            case "no-colon":
                request.Headers.TryAddWithoutValidation("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(TokenClient.Ops)));
                break;
            case "bad-base64":
                request.Headers.TryAddWithoutValidation("Authorization", "Basic %%%not-base64");
                break;
            default:
                request.Headers.TryAddWithoutValidation("Authorization", ["Basic " + valid, "Basic " + valid]);
                break;
        }

        using var response = await _client.Http.SendAsync(request, TestContext.Current.CancellationToken);

        (await TokenClient.ReadAsync(response)).ShouldFail(HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Basic");
    }

    // Item 13: RFC 6749 §5.2: a scope beyond the original grant, or one the client may not use, is invalid_scope.
    [Theory]
    [InlineData("openid api api.reports")]
    [InlineData("openid no-such-scope")]
    public async Task Refresh_with_a_wider_scope_is_refused_with_invalid_scope(string scope)
    {
        var first = (await _client.PasswordAsync("alice", TestUsers.AlicePassword, "openid offline_access api")).ShouldSucceed();

        var response = await _client.PostAsync(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = TokenClient.Spa, ["refresh_token"] = first.RefreshToken!, ["scope"] = scope,
        });

        response.ShouldFail(HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Fact]
    public async Task A_scope_the_client_may_not_use_is_refused_with_invalid_scope()
    {
        var response = await _client.ClientCredentialsAsync(scope: "ops api");

        response.ShouldFail(HttpStatusCode.BadRequest, "invalid_scope");
    }

    // Item 14: RFC 7009 §2.1/§2.2: a token is revoked only for the client it was issued to, and the answer never tells
    // another client whether the token is valid or whose it is: the same status and body for owner and stranger.
    [Theory]
    [InlineData("access_token")]
    [InlineData("refresh_token")]
    public async Task Revocation_answers_the_owner_and_another_client_alike_and_only_the_owner_revokes(string type)
    {
        var tokens = (await _client.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();
        var token = tokens.Get(type)!;

        using var byStranger = await AdminClient.RevokeAsync(_client.Http, token, TokenClient.Ops, TokenClient.OpsSecret, hint: null);
        var strangerBody = await byStranger.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var stillWorks = await _client.RefreshAsync(tokens.RefreshToken!);
        using var byOwner = await AdminClient.RevokeAsync(_client.Http, type == "refresh_token" ? stillWorks.RefreshToken! : token, TokenClient.Spa, hint: null);

        stillWorks.ShouldSucceed();
        Assert.Equal(byOwner.StatusCode, byStranger.StatusCode);
        Assert.Equal(await byOwner.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), strangerBody);
    }

    private static Pkce MatchingPkce(string verifier) => new(verifier,
        Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));

    private static AuthenticationHeaderValue Basic(string pair) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));

    /// <summary>Refused either on the page (before the redirect URI is trusted) or at the client with `error`; never a login or a code.</summary>
    private static void AssertAuthorizeRefused(BrowserClient browser, HttpResponseMessage response, string body, string error)
    {
        if (response.Headers.Location is null)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(error, body, StringComparison.Ordinal);
            return;
        }

        var location = browser.LocationOf(response);
        Assert.Equal(BrowserClient.RedirectUri, location.GetLeftPart(UriPartial.Path));
        Assert.Equal(error, QueryHelpers.ParseQuery(location.Query)["error"].ToString());
    }
}

/// <summary>Item 1: outside Development, only the issuer's host is answered (RFC 9110 §7.2; cache poisoning by Host).</summary>
public sealed class HostFilteringTests : IDisposable
{
    private readonly ProductionServerFactory _server = new();

    [Theory]
    [InlineData("https://id.example.test/", HttpStatusCode.OK)]
    [InlineData("https://evil.example/", HttpStatusCode.BadRequest)]
    [InlineData("https://localhost/", HttpStatusCode.BadRequest)]
    public async Task Outside_development_only_the_issuer_host_is_answered(string baseAddress, HttpStatusCode expected)
    {
        using var client = _server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress) });

        using var response = await client.GetAsync(Endpoints.Discovery, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Health_probes_are_answered_whatever_the_host()
    {
        using var client = _server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://10.1.2.3:8080/") });

        using var response = await client.GetAsync("/health/live", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _server.Dispose();
}
