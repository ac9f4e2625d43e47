using System.Net;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;

namespace AuthServer.Tests;

public sealed class CorsTests(AuthServerFactory factory) : IClassFixture<AuthServerFactory>
{
    private const string SpaOrigin = "http://localhost:5173";

    public static TheoryData<string> BrowserEndpoints => [Endpoints.Token, Endpoints.Revocation, Endpoints.UserInfo, Endpoints.Discovery, Endpoints.Jwks];

    [Theory]
    [MemberData(nameof(BrowserEndpoints))]
    public async Task A_preflight_from_a_registered_spa_origin_is_allowed_without_credentials(string path)
    {
        using var response = await PreflightAsync(path, SpaOrigin);

        Assert.Equal(SpaOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://localhost:5174")]
    [InlineData("https://localhost:5173")]
    public async Task A_preflight_from_any_other_origin_gets_no_cors_headers(string origin)
    {
        using var response = await PreflightAsync(Endpoints.Token, origin);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_cross_origin_token_call_from_the_spa_origin_is_readable_by_the_browser()
    {
        using var http = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.Token)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = "alice", ["password"] = TestUsers.AlicePassword, ["scope"] = "openid api",
            }),
        };
        request.Headers.Add("Origin", SpaOrigin);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SpaOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Theory]
    [InlineData(Endpoints.Authorization)]
    [InlineData("/account/login")]
    public async Task Navigation_only_pages_get_no_cors_headers(string path)
    {
        using var response = await PreflightAsync(path, SpaOrigin);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string path, string origin)
    {
        using var http = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return await http.SendAsync(request);
    }
}
