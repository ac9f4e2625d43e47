using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer.Tests;

/// <summary>Both sample APIs, driven over HTTP with real tokens from the real server and the forgeries an attacker would try.</summary>
public sealed class ResourceApiTests(ResourceServers servers) : IClassFixture<ResourceServers>
{
    public static TheoryData<Sample> Samples => [Sample.JwtBearer, Sample.OpenIddict];

    public static TheoryData<Sample, Forgery> Forgeries()
    {
        var data = new TheoryData<Sample, Forgery>();
        foreach (var sample in Enum.GetValues<Sample>())
        {
            foreach (var forgery in Enum.GetValues<Forgery>())
            {
                data.Add(sample, forgery);
            }
        }

        return data;
    }

    public static TheoryData<Sample, string> MalformedHeaders()
    {
        string[] values = ["Bearer", "Bearer ", "Bearer a.b", "Bearer a.b.c", "Bearer ..", "Basic eHl6", "bearer !!!", "Bearer " + new string('x', 10 * 1024), "Bearer eyJhbGciOiJub25lIn0.e30."];
        var data = new TheoryData<Sample, string>();
        foreach (var sample in Enum.GetValues<Sample>())
        {
            foreach (var value in values)
            {
                data.Add(sample, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_valid_token_is_accepted_and_the_caller_is_echoed(Sample sample)
    {
        var token = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");

        using var response = await GetAsync(sample, "/api/me", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(new JsonWebToken(token).Subject, body.GetProperty("sub").GetString());
        Assert.Equal(TokenClient.Spa, body.GetProperty("client_id").GetString());
        Assert.Contains("api", body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task The_open_endpoint_needs_no_token_but_the_api_answers_401_with_a_bearer_challenge(Sample sample)
    {
        using var open = await GetAsync(sample, "/open", token: null);
        using var response = await GetAsync(sample, "/api/me", token: null);

        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        // Both schemes are offered (RFC 9449 §7.1): Bearer first, then DPoP with the proof algorithms it takes.
        Assert.Equal(["Bearer", "DPoP"], response.Headers.WwwAuthenticate.Select(challenge => challenge.Scheme));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task An_expired_token_is_refused_as_invalid(Sample sample)
    {
        Assert.True(new JsonWebToken(servers.ExpiredToken).ValidTo < DateTime.UtcNow.AddMinutes(-30));

        using var response = await GetAsync(sample, "/api/me", servers.ExpiredToken);

        AssertInvalidToken(response);
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_token_is_refused_as_invalid(Sample sample, Forgery forgery)
    {
        var token = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");
        using var serverKey = servers.ServerKey();
        var forged = Forger.Forge(forgery, token, await servers.SigningKeyAsync(), serverKey);
        Assert.NotEqual(token, forged);

        using var genuine = await GetAsync(sample, "/api/me", token);
        using var response = await GetAsync(sample, "/api/me", forged);

        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        AssertInvalidToken(response);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_token_re_signed_with_the_server_key_and_an_unchanged_header_is_accepted(Sample sample)
    {
        var token = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");
        using var serverKey = servers.ServerKey();

        using var response = await GetAsync(sample, "/api/me", Forger.Resign(token, serverKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task An_es256_token_signed_with_the_published_ec_key_is_accepted_and_the_same_token_under_another_kid_is_not(Sample sample)
    {
        var token = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");
        using var ec = servers.ServerEcKey();
        var jwks = new JsonWebKeySet(await servers.Tokens.Http.GetStringAsync(AuthServer.Tokens.Endpoints.Jwks, TestContext.Current.CancellationToken));
        var ecKid = Assert.Single(jwks.Keys, key => key.Kty == "EC").Kid;
        var rsaKid = Assert.Single(jwks.Keys, key => key.Kty == "RSA").Kid;

        using var accepted = await GetAsync(sample, "/api/me", Forger.ResignEs256(token, ec, ecKid));
        using var refused = await GetAsync(sample, "/api/me", Forger.ResignEs256(token, ec, rsaKid));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        AssertInvalidToken(refused);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_token_minted_for_another_audience_is_refused(Sample sample)
    {
        var token = (await servers.Tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        Assert.DoesNotContain("resource-api", new JsonWebToken(token).Audiences);

        using var response = await GetAsync(sample, "/api/me", token);

        AssertInvalidToken(response);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_token_for_this_api_without_the_scope_gets_403_insufficient_scope(Sample sample)
    {
        var reportsOnly = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api.reports");
        Assert.Contains("resource-api", new JsonWebToken(reportsOnly).Audiences);

        using var me = await GetAsync(sample, "/api/me", reportsOnly);
        using var reports = await GetAsync(sample, "/api/reports", reportsOnly);

        Assert.Equal(HttpStatusCode.Forbidden, me.StatusCode);
        var challenge = Assert.Single(me.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"insufficient_scope\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("scope=\"api\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, reports.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task The_admin_endpoint_admits_alice_by_role_and_forbids_bob(Sample sample)
    {
        var alice = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");
        var bob = await servers.AccessTokenAsync("bob", TestUsers.BobPassword, "openid api");

        using var asAlice = await GetAsync(sample, "/api/admin", alice);
        using var asBob = await GetAsync(sample, "/api/admin", bob);
        using var bobMe = await GetAsync(sample, "/api/me", bob);

        Assert.Equal(HttpStatusCode.OK, asAlice.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asBob.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bobMe.StatusCode);
    }

    // The role alone is not enough; the token must also have been granted the API's scope.
    [Theory]
    [MemberData(nameof(Samples))]
    public async Task The_admin_endpoint_needs_the_api_scope_as_well_as_the_role(Sample sample)
    {
        var reportsOnly = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api.reports");

        using var response = await GetAsync(sample, "/api/admin", reportsOnly);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public async Task A_malformed_authorization_header_gets_401_never_500(Sample sample, string header)
    {
        using var client = servers.Api(sample);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", header));

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<HttpResponseMessage> GetAsync(Sample sample, string path, string? token)
    {
        using var client = servers.Api(sample);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    private static void AssertInvalidToken(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
    }
}
