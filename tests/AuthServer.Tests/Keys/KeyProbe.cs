using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests.Keys;

/// <summary>What the key tests look at from the outside: the kids of issued tokens, the published JWKS, and waiting for the refresher.</summary>
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

    /// <summary>The server's key refresher runs on its own after the clock moves; this waits (in real time) for what it does.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        Assert.Fail(failure);
    }


    public sealed record Issued(string AccessToken, string RefreshToken, string AccessKid, string IdentityKid, string EncryptionKid);
}
