using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;

namespace AuthServer.Tests;

/// <summary>RFC 6750 §2.3: URLs end up in proxy logs, so where this server takes bearer tokens, the query string is refused.</summary>
public sealed class QueryStringTokenTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private readonly TokenClient _tokens = new(server.CreateClient());

    [Fact]
    public async Task The_admin_api_refuses_an_access_token_in_the_query_string_and_takes_the_same_token_in_the_header()
    {
        var token = (await _tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;

        using var refused = await _tokens.Http.GetAsync($"/admin/users?access_token={token}", TestContext.Current.CancellationToken);
        var problem = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(Signature(token), problem, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await new AdminClient(_tokens.Http).SendAsync(HttpMethod.Get, "/admin/users", accessToken: token)).Status);
        Assert.DoesNotContain(server.LogEvents, e => e.RenderMessage().Contains(Signature(token), StringComparison.Ordinal)
            || e.Properties.Values.Any(value => value.ToString().Contains(Signature(token), StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("access_token")]
    [InlineData("Access_Token")]
    public async Task The_admin_api_refuses_a_query_string_token_even_beside_a_valid_authorization_header(string parameter)
    {
        var token = (await _tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/admin/users/bob/revoke-tokens?{parameter}={token}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await _tokens.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(Signature(token), await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_body_token_is_not_accepted_by_the_admin_api()
    {
        var token = (await _tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["access_token"] = token });

        using var response = await _tokens.Http.PostAsync("/admin/users/bob/revoke-tokens", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Userinfo_refuses_an_access_token_in_the_query_string_and_takes_it_in_the_header()
    {
        var user = await server.CreateUserAsync();
        var token = (await _tokens.PasswordAsync(user.UserName!, TestUsers.Password, "openid profile")).ShouldSucceed().AccessToken!;

        using var refused = await _tokens.Http.GetAsync($"{Endpoints.UserInfo}?access_token={token}", TestContext.Current.CancellationToken);
        var body = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        Assert.DoesNotContain(Signature(token), body, StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, Endpoints.UserInfo);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var accepted = await _tokens.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    /// <summary>The signature alone identifies a JWT and survives truncation.</summary>
    private static string Signature(string jwt) => jwt.Split('.')[^1];
}
