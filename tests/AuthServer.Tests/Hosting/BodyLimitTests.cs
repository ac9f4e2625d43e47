using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Http;

namespace AuthServer.Tests;

/// <summary>
/// One body limit (Limits:MaxRequestBodyBytes, 64 KB by default) on every endpoint that takes a body, declared or
/// chunked: 413 as an OAuth JSON error under /connect and problem details elsewhere, never a 5xx.
/// </summary>
public sealed class BodyLimitTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private const int Limit = 64 * 1024;

    private readonly TokenClient _tokens = new(server.CreateClient());

    public static TheoryData<string, bool> Endpoints_with_a_body => new()
    {
        { Endpoints.Token, false }, { Endpoints.Token, true },
        { Endpoints.Revocation, false }, { Endpoints.Revocation, true },
        { Endpoints.Authorization, false }, { Endpoints.Authorization, true },
        { Endpoints.EndSession, false }, { Endpoints.EndSession, true },
        { Endpoints.UserInfo, false }, { Endpoints.UserInfo, true },
        { "/account/login", false }, { "/account/login", true },
        { "/admin/users", false }, { "/admin/users", true },
        { "/admin/users/bob/reset-password", false }, { "/admin/users/bob/reset-password", true },
        { "/admin/prune", false }, { "/admin/prune", true },
    };

    [Theory]
    [MemberData(nameof(Endpoints_with_a_body))]
    public async Task A_body_over_the_limit_is_refused_with_413_in_the_endpoints_error_shape(string path, bool chunked)
    {
        var admin = path.StartsWith("/admin", StringComparison.Ordinal);
        var bearer = admin ? (await _tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken : null;
        var body = admin
            ? JsonSerializer.Serialize(new { userName = "x", password = new string('a', Limit) })
            : "client_id=spa&padding=" + new string('a', Limit);

        var (status, mediaType, text, headers) = await PostAsync(path, body, admin ? "application/json" : "application/x-www-form-urlencoded", chunked, bearer);

        Assert.True(status == HttpStatusCode.RequestEntityTooLarge, $"{path}: {(int)status} {text}");
        using var json = JsonDocument.Parse(text);
        if (path.StartsWith("/connect", StringComparison.Ordinal))
        {
            Assert.Equal("application/json", mediaType);
            Assert.Equal("invalid_request", json.RootElement.GetProperty("error").GetString());
        }
        else
        {
            Assert.Equal("application/problem+json", mediaType);
            Assert.Equal(413, json.RootElement.GetProperty("status").GetInt32());
        }

        Assert.Equal("nosniff", headers["X-Content-Type-Options"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_token_request_just_under_the_limit_is_handled_normally(bool chunked)
    {
        var user = await server.CreateUserAsync();
        var form = $"grant_type=password&client_id=spa&username={user.UserName}&password={Uri.EscapeDataString(TestUsers.Password)}&scope=openid&padding=";

        var (status, _, text, _) = await PostAsync(Endpoints.Token, form + new string('a', Limit - form.Length - 16), "application/x-www-form-urlencoded", chunked);

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {text}");
        Assert.Contains("access_token", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_login_form_just_under_the_limit_signs_in()
    {
        using var browser = new BrowserClient(server);
        var user = await server.CreateUserAsync();
        var form = new Dictionary<string, string>
        {
            ["username"] = user.UserName!, ["password"] = TestUsers.Password, ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = await browser.AntiforgeryTokenAsync("/account/login"),
            ["padding"] = new string('a', Limit - 1_000),
        };
        using var content = new FormUrlEncodedContent(form);

        using var response = await browser.Http.PostAsync("/account/login", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task An_admin_request_just_under_the_limit_is_handled_normally()
    {
        var admin = new AdminClient(server.CreateClient());
        var name = $"padded-{Guid.NewGuid():N}"[..16];

        var (status, body) = await admin.SendAsync(HttpMethod.Post, "/admin/users",
            new { userName = name, email = $"{name}@example.test", password = TestUsers.Password, padding = new string('a', Limit - 1_000) });

        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {body}");
    }

    [Fact]
    public async Task A_form_with_too_many_fields_is_an_invalid_request_not_a_server_error()
    {
        var form = "grant_type=client_credentials&client_id=ops&client_secret=ops-demo-secret&"
            + string.Join('&', Enumerable.Range(0, 500).Select(i => $"f{i}=x"));
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");

        using var response = await _tokens.Http.PostAsync(Endpoints.Token, content, TestContext.Current.CancellationToken);

        (await TokenClient.ReadAsync(response)).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
    }

    /// <summary>
    /// A declared body goes through HttpClient (which always sends Content-Length to the test host); a chunked one is
    /// handed to the server directly, with no Content-Length, as a chunked request reaches it from Kestrel.
    /// </summary>
    private async Task<(HttpStatusCode Status, string? MediaType, string Text, IDictionary<string, string> Headers)> PostAsync(
        string path, string body, string contentType, bool chunked, string? bearer = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        if (!chunked)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            using var response = await _tokens.Http.SendAsync(request);
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(),
                response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase));
        }

        var context = await server.Server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Post;
            http.Request.Path = path;
            http.Request.ContentType = contentType;
            http.Request.Headers.TransferEncoding = "chunked";
            http.Request.Body = new MemoryStream(bytes);
            if (bearer is not null)
            {
                http.Request.Headers.Authorization = $"Bearer {bearer}";
            }
        });
        using var reader = new StreamReader(context.Response.Body);
        Assert.Null(context.Request.ContentLength);
        return ((HttpStatusCode)context.Response.StatusCode, context.Response.ContentType?.Split(';')[0], await reader.ReadToEndAsync(),
            context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
    }
}
