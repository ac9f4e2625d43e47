using System.Net;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

public sealed class RevocationEndpointTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private readonly TokenClient _client = new(server.CreateClient());

    [Fact]
    public async Task A_revoked_refresh_token_can_no_longer_be_redeemed()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        using var response = await AdminClient.RevokeAsync(_client.Http, tokens.RefreshToken!, TokenClient.Spa);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Revoking_the_newest_refresh_token_ends_the_chain_so_an_older_one_inside_the_leeway_fails_too()
    {
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var second = (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();

        using var response = await AdminClient.RevokeAsync(_client.Http, second.RefreshToken!, TokenClient.Spa);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        (await _client.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Contains(server.LogEvents, e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("2006", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_clients_revocation_answers_200_and_leaves_the_token_working()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        using var response = await AdminClient.RevokeAsync(_client.Http, tokens.RefreshToken!, TokenClient.Ops, TokenClient.OpsSecret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    public async Task An_unknown_token_answers_200_as_RFC_7009_requires(string token)
    {
        using var response = await AdminClient.RevokeAsync(_client.Http, token, TokenClient.Spa, hint: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_confidential_client_with_a_wrong_secret_is_refused()
    {
        using var response = await AdminClient.RevokeAsync(_client.Http, "whatever", TokenClient.Ops, "wrong-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_client", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_without_client_id_is_refused_as_an_unidentified_client()
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "x" });
        using var response = await _client.Http.PostAsync(AuthServer.Tokens.Endpoints.Revocation, content, TestContext.Current.CancellationToken);

        // RFC 7009 §2.1: the client identifies itself, so the server can check the token was issued to it.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_client", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
