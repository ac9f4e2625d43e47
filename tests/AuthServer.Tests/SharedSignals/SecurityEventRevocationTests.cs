using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Tests;

public sealed class SecurityEventRevocationTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private readonly TokenClient _client = new(server.CreateClient());

    [Fact]
    public async Task A_password_change_revokes_every_refresh_token_row_of_the_user()
    {
        var user = await server.CreateUserAsync();
        var laptop = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var phone = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await server.WithUsersAsync(async users =>
            Assert.True((await users.ChangePasswordAsync((await users.FindByIdAsync(user.Id))!, TestUsers.Password, "Changed-Pass-4567")).Succeeded));

        Assert.Equal(0, await LiveRowsAsync(user.Id));
        (await _client.RefreshAsync(laptop.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(phone.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2008 && e.RenderMessage().Contains("password-changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failed_sign_ins_never_revoke_the_users_sessions()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        for (var attempt = 0; attempt < 10; attempt++)
        {
            await _client.PasswordAsync(user.UserName!, "wrong-password");
        }

        // A stranger's wrong guesses are not a security event of the account: nothing it holds is revoked.
        Assert.Equal(1, await LiveRowsAsync(user.Id));
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
        Assert.DoesNotContain(server.LogEvents, e => LogEventIds.Of(e) == 2008 && e.RenderMessage().Contains(user.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_role_change_does_not_revoke_by_default()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await server.WithUsersAsync(async users => Assert.True((await users.AddToRoleAsync((await users.FindByIdAsync(user.Id))!, "admin")).Succeeded));

        Assert.Equal(1, await LiveRowsAsync(user.Id));
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
    }

    private Task<int> LiveRowsAsync(string userId) =>
        server.WithDbAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Subject == userId && t.Status == "valid"));
}

public sealed class RoleChangeRevocationTests : IClassFixture<RoleChangeRevocationTests.Server>
{
    private readonly Server _server;
    private readonly TokenClient _client;

    public RoleChangeRevocationTests(Server server)
    {
        _server = server;
        _client = new(server.CreateClient());
    }

    [Fact]
    public async Task With_RevokeOnRoleChange_a_role_change_revokes_the_users_sessions()
    {
        var user = await _server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await _server.WithUsersAsync(async users => Assert.True((await users.AddToRoleAsync((await users.FindByIdAsync(user.Id))!, "admin")).Succeeded));

        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Contains(_server.LogEvents, e => LogEventIds.Of(e) == 2008 && e.RenderMessage().Contains("role-changed", StringComparison.Ordinal));
    }

    public sealed class Server : AuthServerFactory
    {
        public Server() => Set("Revocation:RevokeOnRoleChange", "true");
    }
}
