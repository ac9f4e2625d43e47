using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests.Infrastructure;

/// <summary>What the key tests look at from the outside: the kids of issued tokens and the published JWKS.</summary>
public static class KeyProbe
{
    public static async Task<Issued> IssueAsync(TokenClient client, string user)
    {
        var response = (await client.PasswordAsync(user, TestUsers.Password, "openid offline_access api")).ShouldSucceed();
        return new Issued(response.AccessToken!, response.RefreshToken!, new JsonWebToken(response.AccessToken!).Kid,
            new JsonWebToken(response.Get("id_token")!).Kid, new JsonWebToken(response.RefreshToken!).Kid);
    }

    public static async Task<List<string>> PublishedAsync(TokenClient client)
    {
        using var jwks = JsonDocument.Parse(await client.Http.GetStringAsync(AuthServer.Tokens.Endpoints.Jwks));
        return [.. jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).Order()];
    }

    public sealed record Issued(string AccessToken, string RefreshToken, string AccessKid, string IdentityKid, string EncryptionKid);
}
