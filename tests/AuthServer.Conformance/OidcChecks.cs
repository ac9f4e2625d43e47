using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Conformance;

/// <summary>What the ID token of one flow must match: the client it is for, the nonce sent, whether max_age was sent.</summary>
public sealed record IdTokenExpectation(string ClientId, string? Nonce, DateTimeOffset Now, bool MaxAgeSent = false, string? AccessToken = null);

/// <summary>
/// The checks the conformance suite runs in many modules (its conditions), written from the specifications they cite:
/// each one an assertion on what a client sees.
/// </summary>
public static class OidcChecks
{
    public static async Task<JsonElement> DiscoveryAsync(HttpClient http) =>
        JsonDocument.Parse(await http.GetStringAsync(Endpoints.Discovery, TestContext.Current.CancellationToken)).RootElement.Clone();

    /// <summary>ValidateServerJWKs: every key of the JWKS has a `kid` of its own.</summary>
    public static async Task<JsonWebKeySet> JwksAsync(HttpClient http)
    {
        var jwks = new JsonWebKeySet(await http.GetStringAsync(Endpoints.Jwks, TestContext.Current.CancellationToken));
        Assert.NotEmpty(jwks.Keys);
        Assert.All(jwks.Keys, key => Assert.False(string.IsNullOrEmpty(key.Kid), "A JWKS key has no kid."));
        Assert.Equal(jwks.Keys.Count, jwks.Keys.Select(key => key.Kid).Distinct(StringComparer.Ordinal).Count());
        return jwks;
    }

    /// <summary>OIDCC-3.1.2.5 / RFC 6749 §4.1.2: the state sent comes back unchanged; RFC 9207: so does the issuer.</summary>
    public static void StateAndIssuer(Dictionary<string, string> answer, string state, string issuer)
    {
        Assert.True(answer.TryGetValue("state", out var echoed) && echoed == state, $"state not echoed: {string.Join("&", answer)}");
        Assert.True(answer.TryGetValue("iss", out var iss) && iss == issuer, $"iss on the authorization response is not {issuer}");
    }

    /// <summary>OIDCC-3.1.3.7: signature by the JWKS key its `kid` names, iss, aud, exp, iat, nonce, auth_time, at_hash.</summary>
    public static async Task<JsonWebToken> IdTokenAsync(HttpClient http, string? idToken, IdTokenExpectation expected)
    {
        Assert.False(string.IsNullOrEmpty(idToken), "No id_token in the token response.");
        var issuer = (await DiscoveryAsync(http)).GetProperty("issuer").GetString();
        var jwks = await JwksAsync(http);
        var token = new JsonWebToken(idToken);
        Assert.NotEqual("none", token.Alg);
        var key = Assert.Single(jwks.Keys, k => k.Kid == token.Kid);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = expected.ClientId,
            IssuerSigningKey = key,
            TryAllIssuerSigningKeys = false,
            LifetimeValidator = (_, expires, _, _) => expires > expected.Now.UtcDateTime,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.True(token.TryGetPayloadValue<long>("iat", out _), "The id_token has no iat.");
        Assert.Equal(expected.Nonce, token.TryGetPayloadValue<string>("nonce", out var nonce) ? nonce : null);
        if (expected.MaxAgeSent)
        {
            Assert.True(token.TryGetPayloadValue<long>("auth_time", out _), "max_age was sent but the id_token has no auth_time.");
        }

        if (expected.AccessToken is not null && token.TryGetPayloadValue<string>("at_hash", out var atHash))
        {
            Assert.Equal(LeftHalfHash(expected.AccessToken, token.Alg), atHash);
        }

        return token;
    }

    /// <summary>OIDCC-3.1.3.6: the left half of the hash the header's algorithm uses, base64url.</summary>
    public static string LeftHalfHash(string value, string alg)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        var hash = alg[^3..] switch
        {
            "256" => SHA256.HashData(bytes),
            "384" => SHA384.HashData(bytes),
            "512" => SHA512.HashData(bytes),
            _ => throw new ArgumentException($"No hash for {alg}.", nameof(alg)),
        };
        return Base64UrlEncoder.Encode(hash[..(hash.Length / 2)]);
    }

    /// <summary>
    /// Posts to the token endpoint; every answer, success or error, says `Cache-Control: no-store` (RFC 6749 §5.1) and an
    /// error's description holds no CR, LF or TAB (RFC 6749 §5.2 allows none).
    /// </summary>
    public static async Task<TokenResponse> TokenAsync(HttpClient http, Dictionary<string, string> form, string? clientSecret = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.Token) { Content = new FormUrlEncodedContent(form) };
        if (clientSecret is not null)
        {
            // client_secret_basic (RFC 6749 §2.3.1): the id and secret form-encoded, then base64.
            var pair = $"{Uri.EscapeDataString(form["client_id"])}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
            form.Remove("client_id");
            request.Content = new FormUrlEncodedContent(form);
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"The token endpoint answered {(int)response.StatusCode} without Cache-Control: no-store.");
        var answer = await TokenClient.ReadAsync(response);
        CleanErrorDescription(answer.Get("error_description"));
        return answer;
    }

    /// <summary>RFC 6749 §4.1.2.1 and §5.2: error_description is printable ASCII, no CR, LF or TAB.</summary>
    public static void CleanErrorDescription(string? description)
    {
        if (description is not null)
        {
            Assert.DoesNotContain('\r', description);
            Assert.DoesNotContain('\n', description);
            Assert.DoesNotContain('\t', description);
        }
    }
}
