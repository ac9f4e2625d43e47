using System.Text.Json;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>Two servers on one database and one key folder behave as one: the same JWKS, and tokens redeem across them.</summary>
public sealed class SharedKeysTests : IDisposable
{
    private readonly AuthServerFactory _first = new();
    private readonly AuthServerFactory _second;

    public SharedKeysTests()
    {
        _second = new AuthServerFactory()
            .Set("Database:ConnectionString", $"Data Source={Path.Combine(_first.Folder, "auth.db")}")
            .Set("Keys:DevelopmentKeyFolder", Path.Combine(_first.Folder, "keys"));
    }

    [Fact]
    public async Task Development_keys_are_generated_once_and_shared_by_every_process_on_the_folder()
    {
        var firstKeys = await KeyIdsAsync(_first);
        var secondKeys = await KeyIdsAsync(_second);

        Assert.NotEmpty(firstKeys);
        Assert.Equal(firstKeys, secondKeys);
    }

    [Fact]
    public async Task Refresh_token_issued_by_one_instance_is_redeemed_by_the_other_and_replay_is_caught_by_the_first()
    {
        var one = new TokenClient(_first.CreateClient());
        var two = new TokenClient(_second.CreateClient());
        var user = await _first.CreateUserAsync();

        var issued = (await one.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var rotated = (await two.RefreshAsync(issued.RefreshToken!)).ShouldSucceed();
        await one.ValidateAsync(rotated.AccessToken!, "resource-api", _first.Clock.GetUtcNow());

        _first.Clock.Advance(TimeSpan.FromMinutes(1));
        (await one.RefreshAsync(issued.RefreshToken!)).ShouldFail(System.Net.HttpStatusCode.BadRequest, "invalid_grant");
        (await two.RefreshAsync(rotated.RefreshToken!)).ShouldFail(System.Net.HttpStatusCode.BadRequest, "invalid_grant");
    }

    public void Dispose()
    {
        _second.Dispose();
        _first.Dispose();
    }

    private static async Task<List<string>> KeyIdsAsync(AuthServerFactory server)
    {
        using var jwks = JsonDocument.Parse(await server.CreateClient().GetStringAsync("/.well-known/jwks"));
        return [.. jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).Order()];
    }
}
