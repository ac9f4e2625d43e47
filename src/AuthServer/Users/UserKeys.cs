using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Users;

/// <summary>
/// One string names at most one user. Ids are GUIDs, e-mail addresses contain '@', user names are neither (no '@',
/// never GUID-shaped), so the shape of a key says which of the three it is and no user can shadow another by taking
/// their e-mail or id as a user name. E-mail is optional, but unique when given.
/// </summary>
public static class UserKeys
{
    /// <summary>The width of Identity's UserName column.</summary>
    public const int MaxUserNameLength = 256;

    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets, angle brackets included.</summary>
    public const int MaxEmailLength = 254;

    /// <summary>Identity's default set without '@'.</summary>
    public const string AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._+";

    public static bool LooksLikeId(string key) => Guid.TryParse(key, out _);

    public static bool LooksLikeEmail(string key) => key.Contains('@', StringComparison.Ordinal);

    /// <summary>
    /// A key without the whitespace around it. No name or address holds whitespace (the validators below), so this never
    /// changes which user a key names, and every provider compares the same text: SQL Server ignores trailing spaces in
    /// `=`, SQLite does not, so "bob " would otherwise find bob on one and nobody on the other.
    /// </summary>
    public static string Trim(string key) => key.Trim();

    /// <summary>An operator's key: an id, an e-mail or a user name, told apart by shape alone.</summary>
    public static async Task<IdentityUser?> FindAsync(UserManager<IdentityUser> users, string key) =>
        Trim(key) is var trimmed && trimmed.Length > MaxUserNameLength ? null
        : LooksLikeId(trimmed) ? await users.FindByIdAsync(trimmed)
        : await FindBySignInNameAsync(users, trimmed);

    /// <summary>What a user types at sign-in: an e-mail or a user name (never an id).</summary>
    public static async Task<IdentityUser?> FindBySignInNameAsync(UserManager<IdentityUser> users, string login) =>
        Trim(login) is var trimmed && trimmed.Length > MaxUserNameLength ? null
        : LooksLikeEmail(trimmed) ? await users.FindByEmailAsync(trimmed)
        : await users.FindByNameAsync(trimmed);

    /// <summary>The rules above, on every create and update (admin API, CLI, demo seeding alike).</summary>
    public sealed class Validator : IUserValidator<IdentityUser>
    {
        private static readonly EmailAddressAttribute s_email = new();

        public async Task<IdentityResult> ValidateAsync(UserManager<IdentityUser> manager, IdentityUser user)
        {
            var errors = new List<IdentityError>();
            var name = await manager.GetUserNameAsync(user);
            if (name is { Length: > MaxUserNameLength })
            {
                errors.Add(new IdentityError { Code = "UserNameTooLong", Description = $"A user name has at most {MaxUserNameLength} characters." });
            }
            else if (name is not null && LooksLikeId(name))
            {
                errors.Add(new IdentityError { Code = "UserNameLooksLikeId", Description = "A user name cannot have the shape of a user id (a GUID)." });
            }

            var email = await manager.GetEmailAsync(user);
            if (string.IsNullOrEmpty(email))
            {
                return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
            }

            if (email.Length > MaxEmailLength)
            {
                errors.Add(new IdentityError { Code = "EmailTooLong", Description = $"An e-mail address has at most {MaxEmailLength} characters." });
            }
            else if (!s_email.IsValid(email) || email.Any(char.IsWhiteSpace))
            {
                errors.Add(new IdentityError { Code = "InvalidEmail", Description = "The e-mail address is not valid." });
            }
            else if (await manager.FindByEmailAsync(email) is { } owner && !string.Equals(owner.Id, await manager.GetUserIdAsync(user), StringComparison.Ordinal))
            {
                errors.Add(new IdentityError { Code = "DuplicateEmail", Description = "Another user has this e-mail address." });
            }

            return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
        }
    }
}
