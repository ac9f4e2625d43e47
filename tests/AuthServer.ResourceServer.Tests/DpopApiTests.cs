using System.Net;
using AuthServer.Contracts.Dpop;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// DPoP-bound tokens at both sample APIs (RFC 9449 §7): the right proof is accepted on every call; a bound token sent as
/// Bearer, a proof for another method, URI, token or key, a stale or replayed proof are refused with 401 and a DPoP
/// challenge. The validated-token cache in front of the handlers cannot let a bound token skip its proof.
/// </summary>
public sealed class DpopApiTests(ResourceServers servers) : IClassFixture<ResourceServers>, IDisposable
{
    private const string Me = "http://localhost/api/me";
    private readonly DpopKey _key = new();
    private readonly DpopKey _other = new();

    public static TheoryData<Sample> Samples => [Sample.JwtBearer, Sample.OpenIddict];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_bound_token_with_a_fresh_proof_of_its_key_is_accepted_on_every_call(Sample sample)
    {
        var token = await BoundTokenAsync();

        for (var call = 0; call < 3; call++)
        {
            using var response = await CallAsync(sample, "DPoP " + token, _key.Proof(Me, DateTimeOffset.UtcNow, htm: "GET", accessToken: token));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_bound_token_sent_as_a_bearer_token_is_refused_even_after_it_was_accepted_and_cached(Sample sample)
    {
        var token = await BoundTokenAsync();
        using (var accepted = await CallAsync(sample, "DPoP " + token, _key.Proof(Me, DateTimeOffset.UtcNow, htm: "GET", accessToken: token)))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using var response = await CallAsync(sample, "Bearer " + token);

        AssertRefused(response, "invalid_token");
    }

    public static TheoryData<Sample, string> Faults => new()
    {
        { Sample.JwtBearer, "no-proof" }, { Sample.OpenIddict, "no-proof" },
        { Sample.JwtBearer, "wrong-htm" }, { Sample.OpenIddict, "wrong-htm" },
        { Sample.JwtBearer, "wrong-htu" }, { Sample.OpenIddict, "wrong-htu" },
        { Sample.JwtBearer, "stale" }, { Sample.OpenIddict, "stale" },
        { Sample.JwtBearer, "no-ath" }, { Sample.OpenIddict, "no-ath" },
        { Sample.JwtBearer, "ath-of-another-token" }, { Sample.OpenIddict, "ath-of-another-token" },
        { Sample.JwtBearer, "another-key" }, { Sample.OpenIddict, "another-key" },
        { Sample.JwtBearer, "replayed" }, { Sample.OpenIddict, "replayed" },
        { Sample.JwtBearer, "unbound-token" }, { Sample.OpenIddict, "unbound-token" },
        { Sample.JwtBearer, "private-key-in-jwk" }, { Sample.OpenIddict, "private-key-in-jwk" },
        { Sample.JwtBearer, "alg-none" }, { Sample.OpenIddict, "alg-none" },
        { Sample.JwtBearer, "alg-hs256" }, { Sample.OpenIddict, "alg-hs256" },
        { Sample.JwtBearer, "two-proofs" }, { Sample.OpenIddict, "two-proofs" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_wrong_missing_stale_or_replayed_proof_is_refused_with_a_DPoP_challenge(Sample sample, string fault)
    {
        var token = await BoundTokenAsync();
        var now = DateTimeOffset.UtcNow;
        var (header, proof, expected) = fault switch
        {
            "no-proof" => ("DPoP " + token, null, "invalid_dpop_proof"),
            "wrong-htm" => ("DPoP " + token, _key.Proof(Me, now, htm: "POST", accessToken: token), "invalid_dpop_proof"),
            "wrong-htu" => ("DPoP " + token, _key.Proof("http://localhost/api/admin", now, htm: "GET", accessToken: token), "invalid_dpop_proof"),
            "stale" => ("DPoP " + token, _key.Proof(Me, now.AddMinutes(-5), htm: "GET", accessToken: token), "invalid_dpop_proof"),
            "no-ath" => ("DPoP " + token, _key.Proof(Me, now, htm: "GET"), "invalid_dpop_proof"),
            "ath-of-another-token" => ("DPoP " + token, _key.Proof(Me, now, htm: "GET", accessToken: token + "x"), "invalid_dpop_proof"),
            "another-key" => ("DPoP " + token, _other.Proof(Me, now, htm: "GET", accessToken: token), "invalid_token"),
            "replayed" => ("DPoP " + token, await AcceptedProofAsync(sample, token), "invalid_dpop_proof"),
            "unbound-token" => await UnboundAsync(),
            "private-key-in-jwk" => ("DPoP " + token, _key.Proof(Me, now, htm: "GET", accessToken: token, header: h => h["jwk"]!["d"] = _key.PrivateD), "invalid_dpop_proof"),
            "alg-none" => ("DPoP " + token, string.Join('.', _key.Proof(Me, now, htm: "GET", accessToken: token, header: h => h["alg"] = "none").Split('.')[..2]) + ".", "invalid_dpop_proof"),
            "alg-hs256" => ("DPoP " + token, _key.Proof(Me, now, htm: "GET", accessToken: token, header: h => h["alg"] = "HS256"), "invalid_dpop_proof"),
            "two-proofs" => ("DPoP " + token, _key.Proof(Me, now, htm: "GET", accessToken: token) + "," + _key.Proof(Me, now, htm: "GET", accessToken: token), "invalid_dpop_proof"),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };

        using var response = await CallAsync(sample, header, proof);

        AssertRefused(response, expected);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task One_proof_sent_ten_times_at_once_is_accepted_once(Sample sample)
    {
        var token = await BoundTokenAsync();
        var proof = _key.Proof(Me, DateTimeOffset.UtcNow, htm: "GET", accessToken: token);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await CallAsync(sample, "DPoP " + token, proof);
            return response.StatusCode;
        }));

        Assert.Single(answers, status => status == HttpStatusCode.OK);
        Assert.All(answers.Where(status => status != HttpStatusCode.OK), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task An_unbound_token_still_works_as_a_bearer_token_where_dpop_is_allowed(Sample sample)
    {
        var token = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");

        using var response = await CallAsync(sample, "Bearer " + token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task An_api_that_requires_DPoP_refuses_a_bearer_token_and_takes_a_bound_one(Sample sample)
    {
        using var api = SampleApi.Start(sample, servers.Backchannel, ResourceServers.Authority, settings: new Dictionary<string, string> { ["AuthServer:Dpop:Mode"] = "Required" });
        using var client = api.CreateClient();
        var bearer = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");
        var bound = await BoundTokenAsync();

        using var refused = await SendAsync(client, "Bearer " + bearer);
        using var accepted = await SendAsync(client, "DPoP " + bound, _key.Proof(Me, DateTimeOffset.UtcNow, htm: "GET", accessToken: bound));

        AssertRefused(refused, "invalid_token");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_dotnet_client_with_DpopHandler_gets_bound_tokens_and_calls_the_api(Sample sample)
    {
        // What src/Samples/DpopClient does, against the in-memory server and API.
        using var signer = new DpopSigner();
        using var tokens = new HttpClient(new DpopHandler(signer, servers.Server.StartClock) { InnerHandler = servers.Server.Server.CreateHandler() })
        {
            BaseAddress = new Uri("http://localhost/"),
        };
        using var api = new HttpClient(new DpopHandler(signer) { InnerHandler = servers.ApiHandler(sample) }) { BaseAddress = new Uri("http://localhost/") };

        using var response = await tokens.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = "alice", ["password"] = TestUsers.AlicePassword, ["scope"] = "openid api",
        }), TestContext.Current.CancellationToken);
        var body = (await TokenClient.ReadAsync(response)).ShouldSucceed();
        Assert.Equal("DPoP", body.Get("token_type"));
        var confirmation = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(body.AccessToken!).GetClaim("cnf").Value;
        Assert.Equal(signer.Thumbprint, System.Text.Json.JsonDocument.Parse(confirmation).RootElement.GetProperty("jkt").GetString());

        using var call = new HttpRequestMessage(HttpMethod.Get, "/api/me") { Headers = { Authorization = new("DPoP", body.AccessToken) } };
        using var answer = await api.SendAsync(call, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
    }

    private async Task<(string, string?, string)> UnboundAsync()
    {
        var unbound = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");
        return ("DPoP " + unbound, _key.Proof(Me, DateTimeOffset.UtcNow, htm: "GET", accessToken: unbound), "invalid_token");
    }

    private async Task<string> AcceptedProofAsync(Sample sample, string token)
    {
        var proof = _key.Proof(Me, DateTimeOffset.UtcNow, htm: "GET", accessToken: token);
        using var accepted = await CallAsync(sample, "DPoP " + token, proof);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        return proof;
    }

    /// <summary>Alice's access token for the API, bound to <see cref="_key"/> at the token endpoint.</summary>
    private async Task<string> BoundTokenAsync()
    {
        var tokens = servers.Tokens;
        var response = (await tokens.PostAsync(new()
        {
            ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = "alice", ["password"] = TestUsers.AlicePassword, ["scope"] = "openid api",
        }, _key.Proof(tokens.TokenEndpointUri, servers.Server.StartClock.GetUtcNow()))).ShouldSucceed();
        Assert.Equal("DPoP", response.Get("token_type"));
        return response.AccessToken!;
    }

    private async Task<HttpResponseMessage> CallAsync(Sample sample, string authorization, string? proof = null)
    {
        using var client = servers.Api(sample);
        return await SendAsync(client, authorization, proof);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string authorization, string? proof = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (proof is not null)
        {
            request.Headers.TryAddWithoutValidation("DPoP", proof);
        }

        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static void AssertRefused(HttpResponseMessage response, string error)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var dpop = Assert.Single(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "DPoP");
        Assert.Contains("algs=", dpop.Parameter, StringComparison.Ordinal);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Parameter?.Contains($"error=\"{error}\"", StringComparison.Ordinal) == true);
    }
}
