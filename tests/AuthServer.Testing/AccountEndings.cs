using Microsoft.AspNetCore.Identity;

namespace AuthServer.Tests.Infrastructure;

/// <summary>The ways an operator, or the user's own password change, end a user's sessions: one place for the tests that check what each one reaches.</summary>
public static class AccountEndings
{
    /// <summary>
    /// Ends <paramref name="user"/>'s sessions as <paramref name="ending"/> names: revoke-tokens, revoke-session (the session
    /// <paramref name="sessionId"/> finds), lock, password-change or delete.
    /// </summary>
    public static async Task ApplyAsync(string ending, AuthServerFactory server, AdminClient admin, IdentityUser user, Func<Task<string>> sessionId)
    {
        switch (ending)
        {
            case "revoke-tokens":
                await admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");
                break;
            case "revoke-session":
                await admin.OkAsync(HttpMethod.Delete, $"/admin/sessions/{await sessionId()}");
                break;
            case "lock":
                await admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/lock");
                break;
            case "password-change":
                await server.WithUsersAsync(async users =>
                    Assert.True((await users.ChangePasswordAsync((await users.FindByIdAsync(user.Id))!, TestUsers.Password, "Changed-Pass-7890!")).Succeeded));
                break;
            case "delete":
                await admin.OkAsync(HttpMethod.Delete, $"/admin/users/{user.Id}");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(ending), ending, "No such way to end a session.");
        }
    }
}
