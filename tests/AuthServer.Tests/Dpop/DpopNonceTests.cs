using System.Net;
using AuthServer.Contracts.Dpop;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>
/// Server nonces (RFC 9449 §8) and what two instances sharing one database share: a nonce one issued is accepted by the
/// other, and a proof used at one is refused at the other. And a client registered to take bound tokens only.
/// </summary>
public sealed class DpopNonceTests : IDisposable
{
    private readonly AuthServerFactory _first = new AuthServerFactory().Set("Dpop:RequireNonce", "true");
    private readonly AuthServerFactory _second;
    private readonly DpopKey _key = new();

    public DpopNonceTests()
    {
        _second = new AuthServerFactory()
            .Set("Dpop:RequireNonce", "true")
            .Set("Database:ConnectionString", $"Data Source={Path.Combine(_first.Folder, "auth.db")}")
            .Set("Keys:DevelopmentKeyFolder", Path.Combine(_first.Folder, "keys"));
    }

    [Fact]
    public async Task A_proof_without_the_nonce_gets_use_dpop_nonce_with_one_and_the_retry_with_it_succeeds()
    {
        var client = _first.CreateTokenClient();
        var user = await _first.CreateUserAsync();

        var refused = await SignInAsync(client, user.UserName!, _key.Proof(client.TokenEndpointUri, _first.Clock.GetUtcNow()));
        refused.ShouldFail(HttpStatusCode.BadRequest, "use_dpop_nonce");
        Assert.NotNull(refused.DpopNonce);

        var accepted = (await SignInAsync(client, user.UserName!, _key.Proof(client.TokenEndpointUri, _first.Clock.GetUtcNow(), nonce: refused.DpopNonce))).ShouldSucceed();
        Assert.Equal("DPoP", accepted.Get("token_type"));
        Assert.NotNull(accepted.DpopNonce);
    }

    [Fact]
    public async Task A_dotnet_client_with_DpopHandler_answers_the_nonce_request_by_itself()
    {
        var user = await _first.CreateUserAsync();
        using var signer = new DpopSigner();
        using var http = new HttpClient(new DpopHandler(signer, _first.Clock) { InnerHandler = _first.Server.CreateHandler() }) { BaseAddress = new Uri("http://localhost/") };

        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = user.UserName!, ["password"] = TestUsers.Password,
            ["scope"] = "openid offline_access api",
        }), TestContext.Current.CancellationToken);

        Assert.Equal("DPoP", (await TokenClient.ReadAsync(response)).ShouldSucceed().Get("token_type"));
    }

    [Fact]
    public async Task A_made_up_nonce_is_refused()
    {
        var client = _first.CreateTokenClient();
        var user = await _first.CreateUserAsync();

        (await SignInAsync(client, user.UserName!, _key.Proof(client.TokenEndpointUri, _first.Clock.GetUtcNow(), nonce: "made-up")))
            .ShouldFail(HttpStatusCode.BadRequest, "use_dpop_nonce");
    }

    [Fact]
    public async Task A_nonce_from_one_instance_is_accepted_by_the_other_and_a_proof_used_at_one_is_refused_at_the_other()
    {
        var (first, second) = (_first.CreateTokenClient(), _second.CreateTokenClient());
        var user = await _first.CreateUserAsync();
        var nonce = (await SignInAsync(first, user.UserName!, _key.Proof(first.TokenEndpointUri, _first.Clock.GetUtcNow()))).DpopNonce;

        var proof = _key.Proof(first.TokenEndpointUri, _first.Clock.GetUtcNow(), nonce: nonce);
        (await SignInAsync(second, user.UserName!, proof)).ShouldSucceed();

        var replay = await SignInAsync(first, user.UserName!, proof);
        replay.ShouldFail(HttpStatusCode.BadRequest, "invalid_dpop_proof");
    }

    [Fact]
    public async Task A_client_registered_with_RequireDpop_gets_no_token_without_a_proof()
    {
        using var server = new AuthServerFactory().Set("Catalog:Clients:spa:RequireDpop", "true").Set("Catalog:Version", "1");
        var client = server.CreateTokenClient();
        var user = await server.CreateUserAsync();

        (await client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldFail(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        var bound = (await SignInAsync(client, user.UserName!, _key.Proof(client.TokenEndpointUri, server.Clock.GetUtcNow()))).ShouldSucceed();
        Assert.Equal("DPoP", bound.Get("token_type"));

        // Other clients are not affected.
        (await client.ClientCredentialsAsync()).ShouldSucceed();
    }

    public void Dispose()
    {
        _key.Dispose();
        _second.Dispose();
        _first.Dispose();
    }

    private static Task<TokenResponse> SignInAsync(TokenClient client, string userName, string proof) => client.PostAsync(new()
    {
        ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = userName, ["password"] = TestUsers.Password,
        ["scope"] = "openid offline_access api",
    }, proof);
}
