using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AuthServer.Bff.Tokens;

/// <summary>What the server answered to a refresh: new tokens, a refusal (the grant is dead), or nothing usable (try again later).</summary>
public sealed record RefreshAnswer(string? AccessToken, string? RefreshToken, TimeSpan ExpiresIn, string? Error, string? Unavailable)
{
    public static RefreshAnswer Tokens(string accessToken, string? refreshToken, TimeSpan expiresIn) => new(accessToken, refreshToken, expiresIn, null, null);

    public static RefreshAnswer Refused(string error) => new(null, null, default, error, null);

    public static RefreshAnswer NoAnswer(string reason) => new(null, null, default, null, reason);
}

/// <summary>The BFF's calls to the server as a confidential client (client_secret_post): refresh and revocation, endpoints from discovery.</summary>
public sealed class AuthorityClient(IHttpClientFactory httpClients, IOptionsMonitor<OpenIdConnectOptions> oidc, IOptions<AuthServerBffOptions> options)
{
    public const string HttpClientName = "AuthServer.Bff.Authority";

    /// <summary>The discovery document, cached by the OpenID Connect handler's configuration manager.</summary>
    public Task<OpenIdConnectConfiguration> ConfigurationAsync(CancellationToken cancellationToken) =>
        oidc.Get(BffSchemes.OpenIdConnect).ConfigurationManager!.GetConfigurationAsync(cancellationToken);

    /// <summary>RFC 6749 §6. Never cancelled by the browser: once sent, the answer must be stored, or the rotated token is lost.</summary>
    public async Task<RefreshAnswer> RefreshAsync(string refreshToken)
    {
        try
        {
            var configuration = await ConfigurationAsync(CancellationToken.None);
            using var response = await PostAsync(configuration.TokenEndpoint, new()
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = refreshToken,
            });
            var body = await ReadJsonAsync(response);
            if (response.IsSuccessStatusCode && Text(body, "access_token") is { } accessToken)
            {
                var expiresIn = body?.TryGetProperty("expires_in", out var seconds) == true && seconds.TryGetInt32(out var value) ? value : 0;
                return RefreshAnswer.Tokens(accessToken, Text(body, "refresh_token"), TimeSpan.FromSeconds(expiresIn));
            }

            // RFC 6749 §5.2: a 400/401 with an error code is the server's word that this grant is over.
            return response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized && Text(body, "error") is { } error
                ? RefreshAnswer.Refused(error)
                : RefreshAnswer.NoAnswer($"token endpoint answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            return RefreshAnswer.NoAnswer(ex.GetType().Name);
        }
    }

    /// <summary>RFC 7009 §2.1; true when the server confirmed (it answers 200 for an already dead token too, §2.2).</summary>
    public async Task<bool> RevokeAsync(string refreshToken)
    {
        try
        {
            var configuration = await ConfigurationAsync(CancellationToken.None);
            if (string.IsNullOrEmpty(configuration.RevocationEndpoint))
            {
                return false;
            }

            using var response = await PostAsync(configuration.RevocationEndpoint, new()
            {
                ["token"] = refreshToken,
                ["token_type_hint"] = "refresh_token",
            });
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            return false;
        }
    }

    /// <summary>The server or the network failed (not our bug): unreachable, timed out, or discovery unobtainable.</summary>
    public static bool IsOutage(Exception exception) => exception is HttpRequestException or TaskCanceledException or TimeoutException or JsonException
        || (exception is InvalidOperationException && exception.Message.Contains("IDX20803", StringComparison.Ordinal));

    private async Task<HttpResponseMessage> PostAsync(string endpoint, Dictionary<string, string> form)
    {
        var settings = options.Value;
        form["client_id"] = settings.ClientId;
        form["client_secret"] = settings.ClientSecret;
        using var content = new FormUrlEncodedContent(form);
        return await httpClients.CreateClient(HttpClientName).PostAsync(new Uri(endpoint), content);
    }

    private static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return null;
        }

        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
    }

    private static string? Text(JsonElement? body, string name) =>
        body is { } json && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
