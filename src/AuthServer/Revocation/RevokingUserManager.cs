using AuthServer.Observability;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthServer.Revocation;

/// <summary>
/// Security events revoke the user's refresh tokens and sessions where they happen: in the user manager, the one
/// path every caller (admin API, future account pages) goes through. The changed security stamp alone would
/// already stop the next refresh; revoking the rows makes the sessions list true at once. Failed passwords are
/// not among these events: they only slow the guesser down (Throttling/), so no stranger can end a session.
/// </summary>
public sealed class RevokingUserManager(
    IUserStore<IdentityUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<IdentityUser> passwordHasher,
    IEnumerable<IUserValidator<IdentityUser>> userValidators,
    IEnumerable<IPasswordValidator<IdentityUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<IdentityUser>> logger,
    TokenRevoker revoker,
    AuthMetrics metrics,
    IOptions<RevocationOptions> revocation)
    : UserManager<IdentityUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override async Task<IdentityResult> ChangePasswordAsync(IdentityUser user, string currentPassword, string newPassword) =>
        await RevokeIfAsync(await base.ChangePasswordAsync(user, currentPassword, newPassword), user, "password-changed");

    public override async Task<IdentityResult> ResetPasswordAsync(IdentityUser user, string token, string newPassword) =>
        await RevokeIfAsync(await base.ResetPasswordAsync(user, token, newPassword), user, "password-reset");

    public override async Task<IdentityResult> RemovePasswordAsync(IdentityUser user) =>
        await RevokeIfAsync(await base.RemovePasswordAsync(user), user, "password-removed");

    public override async Task<IdentityResult> UpdateSecurityStampAsync(IdentityUser user) =>
        await RevokeIfAsync(await base.UpdateSecurityStampAsync(user), user, "security-stamp-changed");

    public override async Task<IdentityResult> DeleteAsync(IdentityUser user) =>
        await RevokeIfAsync(await base.DeleteAsync(user), user, "user-deleted");

    public override async Task<IdentityResult> SetLockoutEndDateAsync(IdentityUser user, DateTimeOffset? lockoutEnd)
    {
        var result = await base.SetLockoutEndDateAsync(user, lockoutEnd);
        return lockoutEnd is not null && await IsLockedOutAsync(user) ? await RevokeIfAsync(result, user, "locked") : result;
    }

    public override async Task<IdentityResult> AddToRolesAsync(IdentityUser user, IEnumerable<string> roles) =>
        await RevokeOnRoleChangeAsync(await base.AddToRolesAsync(user, roles), user);

    public override async Task<IdentityResult> AddToRoleAsync(IdentityUser user, string role) =>
        await RevokeOnRoleChangeAsync(await base.AddToRoleAsync(user, role), user);

    public override async Task<IdentityResult> RemoveFromRolesAsync(IdentityUser user, IEnumerable<string> roles) =>
        await RevokeOnRoleChangeAsync(await base.RemoveFromRolesAsync(user, roles), user);

    public override async Task<IdentityResult> RemoveFromRoleAsync(IdentityUser user, string role) =>
        await RevokeOnRoleChangeAsync(await base.RemoveFromRoleAsync(user, role), user);

    private Task<IdentityResult> RevokeOnRoleChangeAsync(IdentityResult result, IdentityUser user) =>
        revocation.Value.RevokeOnRoleChange ? RevokeIfAsync(result, user, "role-changed") : Task.FromResult(result);

    private async Task<IdentityResult> RevokeIfAsync(IdentityResult result, IdentityUser user, string reason)
    {
        if (result.Succeeded)
        {
            var counts = await revoker.RevokeUserAsync(user.Id, reason, CancellationToken);
            Audit.RevokedBySecurityEvent(Logger, reason, user.Id, counts.Tokens, counts.Authorizations);
            metrics.Revoked("security-event", counts.Tokens);
        }

        return result;
    }
}
