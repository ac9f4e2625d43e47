using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>
/// RFC 6749 §5.2: every malformed or hostile token request gets a JSON error with the right code, never a 500.
/// Failed client authentication answers 401; OpenIddict reports a scope the client may not use as invalid_request.
/// </summary>
public sealed class BadInputTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private readonly TokenClient _client = new(server.CreateClient());

    public static TheoryData<string, string, HttpStatusCode, string> BadForms => new()
    {
        { "missing grant_type", "client_id=spa&username=alice&password=x", HttpStatusCode.BadRequest, "invalid_request" },
        { "unknown grant_type", "grant_type=magic&client_id=spa", HttpStatusCode.BadRequest, "unsupported_grant_type" },
        { "implicit is not a token grant", "grant_type=implicit&client_id=spa", HttpStatusCode.BadRequest, "unsupported_grant_type" },
        { "unknown client", "grant_type=password&client_id=nobody&username=alice&password=x", HttpStatusCode.Unauthorized, "invalid_client" },
        { "missing client", "grant_type=password&username=alice&password=x", HttpStatusCode.Unauthorized, "invalid_client" },
        { "wrong client secret", "grant_type=client_credentials&client_id=ops&client_secret=wrong", HttpStatusCode.Unauthorized, "invalid_client" },
        { "confidential client without secret", "grant_type=client_credentials&client_id=ops", HttpStatusCode.BadRequest, "invalid_request" },
        { "public client asking for client_credentials", "grant_type=client_credentials&client_id=spa", HttpStatusCode.BadRequest, "invalid_request" },
        { "grant the client is not allowed", "grant_type=password&client_id=ops&client_secret=ops-demo-secret&username=alice&password=x", HttpStatusCode.BadRequest, "unauthorized_client" },
        { "scope the client is not allowed", "grant_type=client_credentials&client_id=ops&client_secret=ops-demo-secret&scope=api", HttpStatusCode.BadRequest, "invalid_scope" },
        { "unknown scope", "grant_type=password&client_id=spa&username=alice&password=x&scope=everything", HttpStatusCode.BadRequest, "invalid_scope" },
        { "wrong password", "grant_type=password&client_id=spa&username=bob&password=wrong", HttpStatusCode.BadRequest, "invalid_grant" },
        { "unknown user", "grant_type=password&client_id=spa&username=ghost&password=wrong", HttpStatusCode.BadRequest, "invalid_grant" },
        { "missing password", "grant_type=password&client_id=spa&username=bob", HttpStatusCode.BadRequest, "invalid_request" },
        { "missing refresh token", "grant_type=refresh_token&client_id=spa", HttpStatusCode.BadRequest, "invalid_request" },
        { "garbage refresh token", "grant_type=refresh_token&client_id=spa&refresh_token=not-a-token", HttpStatusCode.BadRequest, "invalid_grant" },
        { "JWT-shaped garbage refresh token", "grant_type=refresh_token&client_id=spa&refresh_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", HttpStatusCode.BadRequest, "invalid_grant" },
        { "duplicated grant_type", "grant_type=password&grant_type=client_credentials&client_id=spa", HttpStatusCode.BadRequest, "invalid_request" },
        { "duplicated client_id", "grant_type=password&client_id=spa&client_id=ops&username=bob&password=x", HttpStatusCode.BadRequest, "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(BadForms))]
    public async Task Bad_token_request_gets_an_oauth_error(string why, string form, HttpStatusCode status, string error)
    {
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await _client.Http.PostAsync("/connect/token", content, TestContext.Current.CancellationToken);

        var result = await TokenClient.ReadAsync(response);
        Assert.True(result.Status == status && result.Error == error, $"{why}: expected {(int)status} {error}, got {(int)result.Status} {result.Body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Access_token_used_as_refresh_token_is_refused()
    {
        var tokens = (await _client.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();

        (await _client.RefreshAsync(tokens.AccessToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Json_body_instead_of_a_form_is_an_invalid_request()
    {
        using var content = new StringContent("""{"grant_type":"password","client_id":"spa"}""", Encoding.UTF8, "application/json");
        using var response = await _client.Http.PostAsync("/connect/token", content, TestContext.Current.CancellationToken);

        (await TokenClient.ReadAsync(response)).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Get_is_refused_with_405_and_allow_post()
    {
        using var response = await _client.Http.GetAsync("/connect/token?grant_type=client_credentials&client_id=ops&client_secret=ops-demo-secret", TestContext.Current.CancellationToken);

        // RFC 9110 §15.5.6, in the OAuth error shape.
        (await TokenClient.ReadAsync(response)).ShouldFail(HttpStatusCode.MethodNotAllowed, "invalid_request");
        Assert.Equal(["POST"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Oversized_body_is_refused_without_a_server_error()
    {
        var form = "grant_type=password&client_id=spa&username=bob&password=" + new string('a', 200_000);
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await _client.Http.PostAsync("/connect/token", content, TestContext.Current.CancellationToken);

        var result = await TokenClient.ReadAsync(response);
        Assert.True(result.Status is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, result.Body.ToString());
        Assert.Equal("invalid_request", result.Error);
    }

    [Fact]
    public async Task Non_utf8_bytes_get_an_oauth_error_not_a_server_error()
    {
        byte[] body = [.. Encoding.ASCII.GetBytes("grant_type=password&client_id=spa&username="), 0xC3, 0x28, 0xFF, 0xFE, .. Encoding.ASCII.GetBytes("&password=%FF%FE")];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        using var response = await _client.Http.PostAsync("/connect/token", content, TestContext.Current.CancellationToken);

        var result = await TokenClient.ReadAsync(response);
        Assert.True((int)result.Status is >= 400 and < 500, result.Body.ToString());
        Assert.Contains(result.Error, new[] { "invalid_request", "invalid_grant" });
    }

    [Fact]
    public async Task Missing_content_type_is_an_invalid_request()
    {
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes("grant_type=client_credentials&client_id=ops&client_secret=ops-demo-secret"));
        using var response = await _client.Http.PostAsync("/connect/token", content, TestContext.Current.CancellationToken);

        (await TokenClient.ReadAsync(response)).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
    }
}
