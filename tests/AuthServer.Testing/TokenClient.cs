using System.Net;
using System.Text.Json;
using AuthServer.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Tests.Infrastructure;

/// <summary>One token endpoint response: status and JSON body, with the usual fields pulled out.</summary>
public sealed record TokenResponse(HttpStatusCode Status, JsonElement Body)
{
    /// <summary>The `DPoP-Nonce` header of the answer, if any (RFC 9449 §8).</summary>
    public string? DpopNonce { get; init; }

    public string? AccessToken => Get("access_token");

    public string? RefreshToken => Get("refresh_token");

    public string? Error => Get("error");

    public string? Get(string name) => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) ? value.ToString() : null;

    public TokenResponse ShouldSucceed()
    {
        Assert.True(Status == HttpStatusCode.OK, $"Expected 200, got {(int)Status}: {Body}");
        return this;
    }

    public TokenResponse ShouldFail(HttpStatusCode status, string error)
    {
        Assert.True(Status == status && Error == error, $"Expected {(int)status} {error}, got {(int)Status}: {Body}");
        return this;
    }
}

/// <summary>Speaks the token endpoint the way a client would: form posts, nothing else.</summary>
public sealed class TokenClient(HttpClient http)
{
    public const string Spa = "spa";
    public const string Ops = "ops";
    public const string OpsSecret = "ops-demo-secret";

    public HttpClient Http => http;

    public Task<TokenResponse> PasswordAsync(string userName, string password, string scope = "openid offline_access api") =>
        PostAsync(new() { ["grant_type"] = "password", ["client_id"] = Spa, ["username"] = userName, ["password"] = password, ["scope"] = scope });

    public Task<TokenResponse> RefreshAsync(string refreshToken, string clientId = Spa) =>
        PostAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = refreshToken });

    public Task<TokenResponse> ClientCredentialsAsync(string secret = OpsSecret, string scope = "ops") =>
        PostAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = Ops, ["client_secret"] = secret, ["scope"] = scope });

    public async Task<TokenResponse> PostAsync(Dictionary<string, string> form, params string[] dpopProofs)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.Token) { Content = new FormUrlEncodedContent(form) };
        foreach (var proof in dpopProofs)
        {
            request.Headers.TryAddWithoutValidation("DPoP", proof);
        }

        using var response = await http.SendAsync(request);
        var read = await ReadAsync(response);
        return read with { DpopNonce = response.Headers.TryGetValues("DPoP-Nonce", out var nonces) ? nonces.FirstOrDefault() : null };
    }

    /// <summary>The token endpoint's absolute URI, as a DPoP proof's `htu` names it.</summary>
    public string TokenEndpointUri => new Uri(http.BaseAddress!, Endpoints.Token).AbsoluteUri;

    public static async Task<TokenResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            body = JsonSerializer.SerializeToElement(text);
        }

        return new TokenResponse(response.StatusCode, body);
    }

    /// <summary>Validates a token exactly as a resource server would: keys from the published JWKS, nothing shared in memory.</summary>
    public async Task<JsonWebToken> ValidateAsync(string token, string audience, DateTimeOffset now)
    {
        var result = await CheckAsync(token, audience, now);
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    public async Task<TokenValidationResult> CheckAsync(string token, string audience, DateTimeOffset now)
    {
        var jwks = new JsonWebKeySet(await http.GetStringAsync(Endpoints.Jwks));
        var discovery = JsonDocument.Parse(await http.GetStringAsync(Endpoints.Discovery)).RootElement;
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = discovery.GetProperty("issuer").GetString(),
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = ["at+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            LifetimeValidator = (notBefore, expires, _, _) => expires > now.UtcDateTime && (notBefore is null || notBefore <= now.UtcDateTime),
        });
    }
}
