using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AuthServer.SharedSignals;
using AuthServer.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Tests.Infrastructure;

/// <summary>An RFC 8936 receiver driven by hand: its own client-credentials token, its own stream, raw polls.</summary>
public sealed class FeedClient(HttpClient http, string clientId = FeedClient.JwtBearerReceiver, string secret = FeedClient.JwtBearerSecret)
{
    /// <summary>The Development catalog's receivers (the sample APIs).</summary>
    public const string JwtBearerReceiver = "resource-api-jwtbearer";
    public const string JwtBearerSecret = "jwtbearer-feed-demo-secret";
    public const string OpenIddictReceiver = "resource-api-openiddict";
    public const string OpenIddictSecret = "openiddict-feed-demo-secret";

    public string ClientId => clientId;

    public string? AccessToken { get; private set; }

    public string? StreamId { get; private set; }

    public Uri? PollEndpoint { get; private set; }

    public async Task<string> TokenAsync()
    {
        var response = await new TokenClient(http).PostAsync(new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "ssf",
        });
        return AccessToken = response.ShouldSucceed().AccessToken!;
    }

    public async Task<JsonElement> CreateStreamAsync()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, SharedSignalsEndpoints.Streams, new { delivery = new { method = "urn:ietf:rfc:8936" } });
        Assert.Equal(HttpStatusCode.Created, status);
        StreamId = body.GetProperty("stream_id").GetString();
        PollEndpoint = new Uri(body.GetProperty("delivery").GetProperty("endpoint_url").GetString()!);
        return body;
    }

    /// <summary>One poll with the given members (ack, maxEvents …); returnImmediately unless said otherwise.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PollAsync(object? body = null) =>
        await SendAsync(HttpMethod.Post, PollEndpoint!.PathAndQuery, body ?? new { returnImmediately = true });

    /// <summary>The SETs of a successful poll, by jti.</summary>
    public async Task<Dictionary<string, string>> SetsAsync(object? body = null)
    {
        var (status, json) = await PollAsync(body);
        Assert.True(status == HttpStatusCode.OK, $"poll: {(int)status} {json}");
        return json.GetProperty("sets").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(
        HttpMethod method, string path, object? body = null, string? contentType = null, string? rawBody = null, string? accessToken = null)
    {
        accessToken ??= AccessToken ??= await TokenAsync();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (rawBody is not null)
        {
            request.Content = new StringContent(rawBody, Encoding.UTF8, contentType ?? "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Verifies a SET as a receiver must (JWKS signature, typ, iss, aud) and returns its claims.</summary>
    public async Task<JsonElement> VerifyAsync(string set)
    {
        var jwks = new JsonWebKeySet(await http.GetStringAsync(Endpoints.Jwks));
        var issuer = JsonDocument.Parse(await http.GetStringAsync(Endpoints.Discovery)).RootElement.GetProperty("issuer").GetString();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(set, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = clientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = [SecurityEventTokens.TokenType],
            ValidateLifetime = false,
            RequireExpirationTime = false,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        return JsonDocument.Parse(Base64UrlEncoder.Decode(((JsonWebToken)result.SecurityToken).EncodedPayload)).RootElement.Clone();
    }
}
