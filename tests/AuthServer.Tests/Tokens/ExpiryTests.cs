using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Tests;

/// <summary>Token lifetimes, on the test clock. Runs on SQLite here and on SQL Server in AuthServer.SqlServer.Tests.</summary>
public sealed class ExpiryTests(AuthServerFactory server) : ExpiryBehaviour(server), IClassFixture<AuthServerFactory>;

/// <summary>The tests, written once for every provider; a subclass chooses the server (and so the database).</summary>
public abstract class ExpiryBehaviour(AuthServerFactory server)
{
    private readonly TokenClient _client = server.CreateTokenClient();

    [Fact]
    public async Task Access_token_expires_fifteen_minutes_after_issue()
    {
        var user = await server.CreateUserAsync();
        var issuedAt = server.Clock.GetUtcNow();
        var response = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await _client.ValidateAsync(response.AccessToken!, "resource-api", issuedAt.AddMinutes(14));
        var expired = await _client.CheckAsync(response.AccessToken!, "resource-api", issuedAt.AddMinutes(15).AddSeconds(1));
        Assert.False(expired.IsValid);
        Assert.IsType<SecurityTokenInvalidLifetimeException>(expired.Exception);
        Assert.Equal(issuedAt.AddMinutes(15).ToUnixTimeSeconds(), new JsonWebToken(response.AccessToken).GetPayloadValue<long>("exp"));
    }

    [Fact]
    public async Task Refresh_token_works_until_seven_days_and_is_refused_after()
    {
        var user = await server.CreateUserAsync();
        var young = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var old = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        server.Clock.Advance(TimeSpan.FromDays(6));
        (await _client.RefreshAsync(young.RefreshToken!)).ShouldSucceed();

        server.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        (await _client.RefreshAsync(old.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }
}
