using System.Net;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>Password grant, back-off after failures, and the user re-check on refresh. Runs on SQLite here and on SQL Server in AuthServer.SqlServer.Tests.</summary>
public sealed class UserChecksTests(AuthServerFactory server) : UserChecksBehaviour(server), IClassFixture<AuthServerFactory>;

/// <summary>The tests, written once for every provider; a subclass chooses the server (and so the database).</summary>
public abstract class UserChecksBehaviour(AuthServerFactory server)
{
    private readonly TokenClient _client = server.CreateTokenClient();

    [SkippableFact]
    public async Task Failures_slow_the_guessing_source_down_but_never_lock_the_account()
    {
        var user = await server.CreateUserAsync();
        for (var attempt = 0; attempt < 6; attempt++)
        {
            (await _client.PasswordAsync(user.UserName!, "wrong-password")).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        }

        // The source that guessed must wait (429), even with the right password; the account itself is not locked.
        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldFail(HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        await server.WithUsersAsync(async users => Assert.False(await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!)));
    }

    [SkippableFact]
    public async Task The_back_off_ends_on_its_own()
    {
        var user = await server.CreateUserAsync();
        for (var attempt = 0; attempt < 6; attempt++)
        {
            await _client.PasswordAsync(user.UserName!, "wrong-password");
        }

        server.Clock.Advance(TimeSpan.FromSeconds(1));
        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
    }

    [SkippableFact]
    public async Task Failures_below_the_limit_do_not_lock_and_a_success_resets_the_count()
    {
        var user = await server.CreateUserAsync();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await _client.PasswordAsync(user.UserName!, "wrong-password");
        }

        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await _client.PasswordAsync(user.UserName!, "wrong-password");
        }

        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
    }

    [SkippableFact]
    public async Task User_can_sign_in_with_email_as_well_as_user_name()
    {
        var user = await server.CreateUserAsync();

        (await _client.PasswordAsync(user.Email!, TestUsers.Password)).ShouldSucceed();
    }

    [SkippableFact]
    public async Task Password_change_kills_refresh_tokens_issued_before_it()
    {
        var user = await server.CreateUserAsync();
        var before = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await server.WithUsersAsync(async users =>
            Assert.True((await users.ChangePasswordAsync((await users.FindByIdAsync(user.Id))!, TestUsers.Password, "Another-Pass-5678!")).Succeeded));

        (await _client.RefreshAsync(before.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        var after = (await _client.PasswordAsync(user.UserName!, "Another-Pass-5678!")).ShouldSucceed();
        (await _client.RefreshAsync(after.RefreshToken!)).ShouldSucceed();
    }

    [SkippableFact]
    public async Task Deleted_user_cannot_refresh()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await server.WithUsersAsync(async users => Assert.True((await users.DeleteAsync((await users.FindByIdAsync(user.Id))!)).Succeeded));

        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [SkippableFact]
    public async Task Disabled_user_cannot_sign_in_or_refresh()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await server.WithUsersAsync(async users => await users.SetLockoutEndDateAsync((await users.FindByIdAsync(user.Id))!, DateTimeOffset.MaxValue));

        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [SkippableFact]
    public async Task Demo_users_are_seeded_in_development()
    {
        (await _client.PasswordAsync("alice", TestUsers.AlicePassword)).ShouldSucceed();
        (await _client.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();
    }
}
