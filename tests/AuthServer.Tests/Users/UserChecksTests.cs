using System.Net;
using Microsoft.AspNetCore.Identity;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>Password grant, back-off after failures, and the user re-check on refresh. Runs on SQLite here and on SQL Server in AuthServer.SqlServer.Tests.</summary>
public sealed class UserChecksTests(AuthServerFactory server) : UserChecksBehaviour(server), IClassFixture<AuthServerFactory>;

/// <summary>The tests, written once for every provider; a subclass chooses the server (and so the database).</summary>
public abstract class UserChecksBehaviour(AuthServerFactory server)
{
    private readonly TokenClient _client = server.CreateTokenClient();

    [Fact]
    public async Task Failures_slow_the_guessing_source_down_but_never_lock_the_account()
    {
        var user = await server.CreateUserAsync();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            (await _client.PasswordAsync(user.UserName!, "wrong-password")).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        }

        // The source that guessed must wait (429), even with the right password; the account itself is not locked.
        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldFail(HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        await server.WithUsersAsync(async users => Assert.False(await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!)));
    }

    [Fact]
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

    [Fact]
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

    [Fact]
    public async Task Thirty_wrong_passwords_sent_at_once_get_no_more_checks_than_five_sent_one_after_another()
    {
        var user = await server.CreateUserAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => _client.PasswordAsync(user.UserName!, "wrong-password")));

        // The account is far from its own back-off, so every 400 is a password checked; the rest were refused before a hash.
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.BadRequest or HttpStatusCode.TooManyRequests, $"{(int)a.Status} {a.Body}"));
        var checks = answers.Count(a => a.Status == HttpStatusCode.BadRequest);
        Assert.True(checks <= 5, $"{checks} password checks for 30 guesses sent at once (FreeFailuresPerSource is 5).");
    }

    [Fact]
    public async Task A_name_typed_with_surrounding_spaces_names_the_same_account_and_counts_on_the_same_pair()
    {
        var user = await server.CreateUserAsync();
        (await _client.PasswordAsync($"{user.UserName} ", TestUsers.Password)).ShouldSucceed();
        (await _client.PasswordAsync($" {user.Email}", TestUsers.Password)).ShouldSucceed();

        // Every spelling of the account is one (account, source) pair: five failures between them, then 429.
        string[] spellings = [user.UserName!, $"{user.UserName} ", user.Email!.ToUpperInvariant(), $"{user.UserName!.ToUpperInvariant()}  ", user.Email!];
        foreach (var spelling in spellings)
        {
            (await _client.PasswordAsync(spelling, "wrong-password")).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        }

        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldFail(HttpStatusCode.TooManyRequests, "temporarily_unavailable");
    }

    [Fact]
    public async Task User_can_sign_in_with_email_as_well_as_user_name()
    {
        var user = await server.CreateUserAsync();

        (await _client.PasswordAsync(user.Email!, TestUsers.Password)).ShouldSucceed();
    }

    [Fact]
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

    [Fact]
    public async Task Deleted_user_cannot_refresh()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await server.WithUsersAsync(async users => Assert.True((await users.DeleteAsync((await users.FindByIdAsync(user.Id))!)).Succeeded));

        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Disabled_user_cannot_sign_in_or_refresh()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await server.WithUsersAsync(async users => await users.SetLockoutEndDateAsync((await users.FindByIdAsync(user.Id))!, DateTimeOffset.MaxValue));

        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    /// <summary>The user and their roles are read in one statement at every refresh (decision 014): none, one or several.</summary>
    [Fact]
    public async Task Roles_are_read_again_at_every_refresh_and_a_user_with_none_still_refreshes()
    {
        var user = await server.CreateUserAsync();
        var auditors = $"auditors-{Guid.NewGuid():N}";
        await server.WithDbAsync(async db =>
        {
            foreach (var name in new[] { "admin", auditors }.Where(name => !db.Roles.Any(role => role.Name == name)))
            {
                db.Roles.Add(new IdentityRole(name) { NormalizedName = name.ToUpperInvariant() });
            }

            return await db.SaveChangesAsync();
        });
        await server.WithUsersAsync(async users => Assert.True((await users.AddToRolesAsync((await users.FindByIdAsync(user.Id))!, ["admin", auditors])).Succeeded));
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password, "openid offline_access api ops")).ShouldSucceed();

        var both = (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldSucceed();
        Assert.Equal(["admin", auditors], await RolesAndScopesAsync(both.AccessToken!, expectOps: true));

        await server.WithUsersAsync(async users => Assert.True((await users.RemoveFromRoleAsync((await users.FindByIdAsync(user.Id))!, "admin")).Succeeded));
        var one = (await _client.RefreshAsync(both.RefreshToken!)).ShouldSucceed();
        Assert.Equal([auditors], await RolesAndScopesAsync(one.AccessToken!, expectOps: false));

        await server.WithUsersAsync(async users => Assert.True((await users.RemoveFromRoleAsync((await users.FindByIdAsync(user.Id))!, auditors)).Succeeded));
        var none = (await _client.RefreshAsync(one.RefreshToken!)).ShouldSucceed();
        Assert.Empty(await RolesAndScopesAsync(none.AccessToken!, expectOps: false));
    }

    [Fact]
    public async Task Demo_users_are_seeded_in_development()
    {
        (await _client.PasswordAsync("alice", TestUsers.AlicePassword)).ShouldSucceed();
        (await _client.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();
    }

    /// <summary>The roles an access token carries, after checking that `ops` (admin only) is granted exactly when expected.</summary>
    private async Task<string[]> RolesAndScopesAsync(string accessToken, bool expectOps)
    {
        var token = await _client.ValidateAsync(accessToken, "resource-api", server.Clock.GetUtcNow());
        var scopes = token.GetClaim("scope").Value.Split(' ');
        Assert.Equal(expectOps, scopes.Contains("ops"));
        return [.. token.Claims.Where(claim => claim.Type == "role").Select(claim => claim.Value).Order(StringComparer.Ordinal)];
    }
}
