using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests;

/// <summary>
/// DPoP at the token endpoint (RFC 9449 §5): tokens bound to the proof's key, a public client's refresh token useless
/// without it, and every malformed, stale, replayed or misdirected proof refused as `invalid_dpop_proof`, never a 500.
/// </summary>
public sealed class DpopTokenEndpointTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>, IDisposable
{
    private readonly TokenClient _client = server.CreateTokenClient();
    private readonly DpopKey _key = new();
    private readonly DpopKey _other = new();

    private DateTimeOffset Now => server.Clock.GetUtcNow();

    [Fact]
    public async Task A_proof_binds_the_access_token_to_its_key_and_the_answer_says_DPoP()
    {
        var user = await server.CreateUserAsync();

        var response = (await SignInAsync(user.UserName!, _key.Proof(_client.TokenEndpointUri, Now))).ShouldSucceed();

        Assert.Equal("DPoP", response.Get("token_type"));
        var token = await _client.ValidateAsync(response.AccessToken!, "resource-api", Now);
        Assert.Equal(_key.Thumbprint, JsonDocument.Parse(token.GetClaim("cnf").Value).RootElement.GetProperty("jkt").GetString());
    }

    [Fact]
    public async Task Without_a_proof_nothing_changes_a_bearer_token_without_cnf()
    {
        var user = await server.CreateUserAsync();

        var response = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        Assert.Equal("Bearer", response.Get("token_type"));
        Assert.False(new JsonWebToken(response.AccessToken!).TryGetClaim("cnf", out _));
    }

    [Fact]
    public async Task A_public_clients_refresh_token_works_only_with_a_proof_of_the_same_key_and_a_refused_try_does_not_spend_it()
    {
        var user = await server.CreateUserAsync();
        var first = (await SignInAsync(user.UserName!, _key.Proof(_client.TokenEndpointUri, Now))).ShouldSucceed();

        (await RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await RefreshAsync(first.RefreshToken!, _other.Proof(_client.TokenEndpointUri, Now))).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");

        var second = (await RefreshAsync(first.RefreshToken!, _key.Proof(_client.TokenEndpointUri, Now))).ShouldSucceed();
        Assert.Equal("DPoP", second.Get("token_type"));
        var third = (await RefreshAsync(second.RefreshToken!, _key.Proof(_client.TokenEndpointUri, Now))).ShouldSucceed();
        Assert.Equal(_key.Thumbprint, JsonDocument.Parse(new JsonWebToken(third.AccessToken!).GetClaim("cnf").Value).RootElement.GetProperty("jkt").GetString());
    }

    [Fact]
    public async Task A_refresh_token_issued_without_a_proof_stays_unbound()
    {
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        (await RefreshAsync(first.RefreshToken!)).ShouldSucceed();
    }

    [Fact]
    public async Task A_proof_is_accepted_once()
    {
        var user = await server.CreateUserAsync();
        var proof = _key.Proof(_client.TokenEndpointUri, Now);
        (await SignInAsync(user.UserName!, proof)).ShouldSucceed();

        var replay = await SignInAsync(user.UserName!, proof);

        replay.ShouldFail(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        Assert.Contains("already used", replay.Get("error_description"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_proof_sent_ten_times_at_once_gets_tokens_once()
    {
        var user = await server.CreateUserAsync();
        var proof = _key.Proof(_client.TokenEndpointUri, Now);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => SignInAsync(user.UserName!, proof)));

        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => a.ShouldFail(HttpStatusCode.BadRequest, "invalid_dpop_proof"));
    }

    public static TheoryData<string> MalformedProofs =>
    [
        "wrong-htu", "wrong-htm", "stale-iat", "future-iat", "private-key-in-jwk", "alg-none", "alg-hs256", "wrong-typ", "no-jwk",
        "signed-by-another-key", "no-jti", "not-a-jwt", "crit",
        "jti-a-number", "iat-a-string", "htu-relative", "curve-mismatch", "short-x", "rsa-key-for-es256", "signature-truncated",
        "claims-an-array", "header-not-json", "oversized",
    ];

    [Theory]
    [MemberData(nameof(MalformedProofs))]
    public async Task A_malformed_stale_or_misdirected_proof_is_refused_as_invalid_dpop_proof(string fault)
    {
        var user = await server.CreateUserAsync();
        var htu = _client.TokenEndpointUri;
        var proof = fault switch
        {
            "wrong-htu" => _key.Proof("https://elsewhere.example/connect/token", Now),
            "wrong-htm" => _key.Proof(htu, Now, htm: "GET"),
            "stale-iat" => _key.Proof(htu, Now.AddMinutes(-2)),
            "future-iat" => _key.Proof(htu, Now.AddMinutes(2)),
            "private-key-in-jwk" => _key.Proof(htu, Now, header: h => h["jwk"]!["d"] = _key.PrivateD),
            "alg-none" => string.Join('.', _key.Proof(htu, Now, header: h => h["alg"] = "none").Split('.')[..2]) + ".",
            "alg-hs256" => _key.Proof(htu, Now, header: h => { h["alg"] = "HS256"; h["jwk"] = new System.Text.Json.Nodes.JsonObject { ["kty"] = "oct", ["k"] = "c2VjcmV0" }; }),
            "wrong-typ" => _key.Proof(htu, Now, header: h => h["typ"] = "JWT"),
            "no-jwk" => _key.Proof(htu, Now, header: h => h.Remove("jwk")),
            "signed-by-another-key" => _key.Proof(htu, Now, signer: _other),
            "no-jti" => _key.Proof(htu, Now, claims: c => c.Remove("jti")),
            "not-a-jwt" => "not.a.jwt!",
            "crit" => _key.Proof(htu, Now, header: h => h["crit"] = new System.Text.Json.Nodes.JsonArray("exp")),
            "jti-a-number" => _key.Proof(htu, Now, claims: c => c["jti"] = 42),
            "iat-a-string" => _key.Proof(htu, Now, claims: c => c["iat"] = "now"),
            "htu-relative" => _key.Proof("/connect/token", Now),
            "curve-mismatch" => _key.Proof(htu, Now, header: h => h["jwk"]!["crv"] = "P-384"),
            "short-x" => _key.Proof(htu, Now, header: h => h["jwk"]!["x"] = "AAAA"),
            "rsa-key-for-es256" => _key.Proof(htu, Now, header: h => h["jwk"] = new System.Text.Json.Nodes.JsonObject { ["kty"] = "RSA", ["n"] = new string('A', 342), ["e"] = "AQAB" }),
            "signature-truncated" => _key.Proof(htu, Now)[..^10],
            "claims-an-array" => string.Join('.', _key.Proof(htu, Now).Split('.') is var parts ? [parts[0], "W10", parts[2]] : []),
            "header-not-json" => "bm90IGpzb24." + string.Join('.', _key.Proof(htu, Now).Split('.')[1..]),
            "oversized" => _key.Proof(htu, Now, claims: c => c["pad"] = new string('x', 9000)),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };

        var response = await SignInAsync(user.UserName!, proof);

        response.ShouldFail(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        Assert.DoesNotContain(proof, response.Body.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_DPoP_headers_are_refused()
    {
        var user = await server.CreateUserAsync();

        var response = await SignInAsync(user.UserName!, _key.Proof(_client.TokenEndpointUri, Now), _key.Proof(_client.TokenEndpointUri, Now));

        response.ShouldFail(HttpStatusCode.BadRequest, "invalid_dpop_proof");
    }

    [Fact]
    public async Task A_bound_access_token_sent_as_a_bearer_token_to_userinfo_is_refused_not_a_server_error()
    {
        var user = await server.CreateUserAsync();
        var response = (await SignInAsync(user.UserName!, _key.Proof(_client.TokenEndpointUri, Now))).ShouldSucceed();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", response.AccessToken);
        using var answer = await _client.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Contains("invalid_token", answer.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_requested_with_dpop_jkt_is_redeemed_only_with_a_proof_of_that_key_and_its_tokens_are_bound()
    {
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var pkce = Pkce.Create();
        var extra = new Dictionary<string, string> { ["dpop_jkt"] = _key.Thumbprint };
        var code = BrowserClient.QueryOf(await browser.SignInAsync(BrowserClient.AuthorizeUrl(pkce, extra: extra), user.UserName!, TestUsers.Password))["code"]!;

        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = TokenClient.Spa, ["code"] = code, ["code_verifier"] = pkce.Verifier,
            ["redirect_uri"] = BrowserClient.RedirectUri,
        };
        (await browser.Tokens.PostAsync(form)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await browser.Tokens.PostAsync(form, _other.Proof(browser.Tokens.TokenEndpointUri, Now))).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        var tokens = (await browser.Tokens.PostAsync(form, _key.Proof(browser.Tokens.TokenEndpointUri, Now))).ShouldSucceed();

        Assert.Equal("DPoP", tokens.Get("token_type"));
        (await RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await RefreshAsync(tokens.RefreshToken!, _key.Proof(_client.TokenEndpointUri, Now))).ShouldSucceed();
    }

    [Theory]
    [InlineData("short")]
    [InlineData("not base64url characters, forty-three long!!")]
    public async Task A_malformed_dpop_jkt_is_refused_at_the_authorization_endpoint(string jkt)
    {
        using var browser = new BrowserClient(server);
        var extra = new Dictionary<string, string> { ["dpop_jkt"] = jkt };

        // Refused before any sign-in: back to the client with the error.
        using var response = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: extra));

        Assert.Equal("invalid_request", BrowserClient.QueryOf(browser.LocationOf(response))["error"]);
    }

    [Fact]
    public async Task Userinfo_takes_a_bound_token_with_a_proof_of_its_key_once_and_refuses_it_otherwise()
    {
        var user = await server.CreateUserAsync();
        var token = (await SignInAsync(user.UserName!, _key.Proof(_client.TokenEndpointUri, Now))).ShouldSucceed().AccessToken!;
        var userInfo = new Uri(_client.Http.BaseAddress!, "connect/userinfo").AbsoluteUri;
        var proof = _key.Proof(userInfo, Now, htm: "GET", accessToken: token);

        using (var accepted = await UserInfoAsync("DPoP", token, proof))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Contains(user.Id, await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        (string Name, string Scheme, string? Proof)[] refusals =
        [
            ("replayed proof", "DPoP", proof),
            ("no proof", "DPoP", null),
            ("another key's proof", "DPoP", _other.Proof(userInfo, Now, htm: "GET", accessToken: token)),
            ("proof for another token", "DPoP", _key.Proof(userInfo, Now, htm: "GET", accessToken: token + "x")),
            ("bound token as bearer", "Bearer", null),
        ];
        foreach (var (name, scheme, refusedProof) in refusals)
        {
            using var refused = await UserInfoAsync(scheme, token, refusedProof);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {(int)refused.StatusCode}");
        }
    }

    [Fact]
    public async Task An_operators_bound_client_credentials_token_reaches_the_admin_api_with_a_proof_and_only_so()
    {
        var response = (await _client.PostAsync(new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = TokenClient.Ops, ["client_secret"] = TokenClient.OpsSecret, ["scope"] = "ops",
        }, _key.Proof(_client.TokenEndpointUri, Now))).ShouldSucceed();
        Assert.Equal("DPoP", response.Get("token_type"));
        var token = response.AccessToken!;
        var keys = new Uri(_client.Http.BaseAddress!, "admin/keys").AbsoluteUri;

        using (var accepted = await SendAsync("/admin/keys", "DPoP", token, _key.Proof(keys, Now, htm: "GET", accessToken: token)))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using var asBearer = await SendAsync("/admin/keys", "Bearer", token, null);
        using var otherKey = await SendAsync("/admin/keys", "DPoP", token, _other.Proof(keys, Now, htm: "GET", accessToken: token));
        Assert.Equal(HttpStatusCode.Unauthorized, asBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherKey.StatusCode);
    }

    [Fact]
    public async Task Discovery_advertises_the_proof_algorithms_asymmetric_only()
    {
        using var document = JsonDocument.Parse(await _client.Http.GetStringAsync("/.well-known/openid-configuration", TestContext.Current.CancellationToken));

        var algorithms = document.RootElement.GetProperty("dpop_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()).ToList();

        Assert.Contains("ES256", algorithms);
        Assert.DoesNotContain(algorithms, a => a!.StartsWith("HS", StringComparison.Ordinal) || a == "none");
    }

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
    }

    private Task<TokenResponse> SignInAsync(string userName, params string[] proofs) => _client.PostAsync(new()
    {
        ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = userName, ["password"] = TestUsers.Password,
        ["scope"] = "openid offline_access api",
    }, proofs);

    private Task<HttpResponseMessage> UserInfoAsync(string scheme, string token, string? proof) => SendAsync("/connect/userinfo", scheme, token, proof);

    private async Task<HttpResponseMessage> SendAsync(string path, string scheme, string token, string? proof)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {token}");
        if (proof is not null)
        {
            request.Headers.TryAddWithoutValidation("DPoP", proof);
        }

        return await _client.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private Task<TokenResponse> RefreshAsync(string refreshToken, params string[] proofs) => _client.PostAsync(new()
    {
        ["grant_type"] = "refresh_token", ["client_id"] = TokenClient.Spa, ["refresh_token"] = refreshToken,
    }, proofs);
}
