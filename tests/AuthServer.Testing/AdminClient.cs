using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuthServer.Tokens;

namespace AuthServer.Tests.Infrastructure;

/// <summary>Calls the admin API the way an operator tool would: a client-credentials token of `ops`, then JSON over HTTP.</summary>
public sealed class AdminClient(HttpClient http)
{
    private readonly TokenClient _tokens = new(http);

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null, string? accessToken = null)
    {
        // A fresh token per call: tests move the clock past the access token lifetime.
        accessToken ??= (await _tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken;
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<JsonElement> OkAsync(HttpMethod method, string path, object? body = null)
    {
        var (status, json) = await SendAsync(method, path, body);
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent, $"{method} {path}: {(int)status} {json}");
        return json;
    }

    /// <summary>RFC 7009 revocation request, as a public client (client_id only) or a confidential one.</summary>
    public static async Task<HttpResponseMessage> RevokeAsync(HttpClient http, string token, string clientId, string? secret = null, string? hint = "refresh_token")
    {
        var form = new Dictionary<string, string> { ["token"] = token, ["client_id"] = clientId };
        if (secret is not null)
        {
            form["client_secret"] = secret;
        }

        if (hint is not null)
        {
            form["token_type_hint"] = hint;
        }

        using var content = new FormUrlEncodedContent(form);
        return await http.PostAsync(Endpoints.Revocation, content);
    }
}
