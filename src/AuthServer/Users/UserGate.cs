using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Users;

public enum SignInOutcome
{
    Succeeded,
    UnknownUser,
    WrongPassword,
    LockedOut,
    NotAllowed,
}

/// <summary>The one place that decides whether a user may get tokens: at sign-in and again at every refresh.</summary>
public sealed class UserGate(UserManager<IdentityUser> users, SignInManager<IdentityUser> signIn)
{
    /// <summary>Claim kept only inside refresh tokens and codes (no destination), never in tokens a client can read.</summary>
    public const string SecurityStampClaim = "AspNet.Identity.SecurityStamp";

    private static readonly Lazy<string> s_decoyHash = new(() => new PasswordHasher<IdentityUser>().HashPassword(new IdentityUser(), Guid.NewGuid().ToString()));

    public async Task<(SignInOutcome Outcome, IdentityUser? User)> CheckPasswordAsync(string login, string password)
    {
        var user = await FindAsync(login);
        if (user is null)
        {
            // Hash anyway, so the response time does not tell whether the account exists.
            users.PasswordHasher.VerifyHashedPassword(new IdentityUser(), s_decoyHash.Value, password);
            return (SignInOutcome.UnknownUser, null);
        }

        var result = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        var outcome = result switch
        {
            { Succeeded: true } => SignInOutcome.Succeeded,
            { IsLockedOut: true } => SignInOutcome.LockedOut,
            { IsNotAllowed: true } => SignInOutcome.NotAllowed,
            _ => SignInOutcome.WrongPassword,
        };
        return (outcome, user);
    }

    /// <summary>
    /// The user behind a refresh token or code, if they may still get tokens: they exist, are not locked out,
    /// and their security stamp is unchanged since the token was issued (a password change kills old tokens).
    /// </summary>
    public async Task<IdentityUser?> RecheckAsync(ClaimsPrincipal principal)
    {
        if (principal.FindFirst(Claims.Subject)?.Value is not { } subject || await users.FindByIdAsync(subject) is not { } user)
        {
            return null;
        }

        if (await users.IsLockedOutAsync(user))
        {
            return null;
        }

        var stamp = principal.FindFirst(SecurityStampClaim)?.Value;
        return users.SupportsUserSecurityStamp && !string.Equals(stamp, await users.GetSecurityStampAsync(user), StringComparison.Ordinal)
            ? null
            : user;
    }

    public Task<IList<string>> GetRolesAsync(IdentityUser user) => users.GetRolesAsync(user);

    private async Task<IdentityUser?> FindAsync(string login) =>
        await users.FindByNameAsync(login) ?? (login.Contains('@', StringComparison.Ordinal) ? await users.FindByEmailAsync(login) : null);
}
