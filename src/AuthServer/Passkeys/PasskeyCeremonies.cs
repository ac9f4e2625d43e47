using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthServer.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.Passkeys;

/// <summary>What the page hands the browser (the WebAuthn options) and what it posts back with the credential (the sealed state).</summary>
public sealed record PasskeyChallenge(string OptionsJson, string State);

/// <summary>The outcome of a ceremony: the user and passkey on success, otherwise why (for the logs; the page says less).</summary>
public sealed record PasskeyVerdict(IdentityUser? User, UserPasskeyInfo? Passkey, string? Failure)
{
    public bool Succeeded => Failure is null && User is not null && Passkey is not null;

    public static PasskeyVerdict Failed(string why) => new(null, null, why);
}

/// <summary>
/// The two WebAuthn ceremonies over Identity's passkey handler (which checks challenge, origin, relying-party id, user
/// presence and verification, signature and sign count). What Identity leaves to its caller is done here: the ceremony's
/// state travels sealed in the page's form (Data Protection, time-limited, bound to the ceremony and, for registration,
/// to the user), so any instance can finish it; and each challenge is accepted once on any instance (a row in
/// <see cref="OneTimeUse"/>, one conditional INSERT), so an assertion replayed, even in parallel, signs nobody in twice.
/// </summary>
public sealed class PasskeyCeremonies(
    IPasskeyHandler<IdentityUser> handler,
    UserManager<IdentityUser> users,
    AuthDbContext db,
    IDataProtectionProvider protection,
    TimeProvider clock,
    IOptions<PasskeyOptions> options)
{
    private const string SignInPurpose = "AuthServer.Passkeys.SignIn.v1";
    private const string RegistrationPurpose = "AuthServer.Passkeys.Registration.v1";

    /// <summary>Options for a sign-in by any passkey of this site (discoverable credentials: the browser offers its own list).</summary>
    public async Task<PasskeyChallenge> BeginSignInAsync(HttpContext context)
    {
        var result = await handler.MakeRequestOptionsAsync(null, context);
        return new(result.RequestOptionsJson, Seal(SignInPurpose, result.AssertionState ?? ""));
    }

    public async Task<PasskeyVerdict> FinishSignInAsync(HttpContext context, string credentialJson, string sealedState)
    {
        if (Unseal(SignInPurpose, sealedState) is not { } state)
        {
            return PasskeyVerdict.Failed("state-expired-or-altered");
        }

        PasskeyAssertionResult<IdentityUser> result;
        try
        {
            result = await handler.PerformAssertionAsync(new PasskeyAssertionContext { CredentialJson = credentialJson, AssertionState = state, HttpContext = context });
        }
        catch (Exception ex) when (IsMalformedInput(ex))
        {
            return PasskeyVerdict.Failed("malformed-credential");
        }

        if (!result.Succeeded)
        {
            return PasskeyVerdict.Failed(ForLog(result.Failure.Message));
        }

        if (!await UseOnceAsync(state, context.RequestAborted))
        {
            return PasskeyVerdict.Failed("challenge-replayed");
        }

        // The new sign count (a cloned authenticator shows as a count that goes back) and when it was last used.
        if (!(await users.AddOrUpdatePasskeyAsync(result.User, result.Passkey)).Succeeded)
        {
            return PasskeyVerdict.Failed("passkey-update-conflict");
        }

        await MarkUsedAsync(result.Passkey.CredentialId, context.RequestAborted);
        return new(result.User, result.Passkey, null);
    }

    /// <summary>Options to register a new passkey for <paramref name="user"/> (their existing ones excluded, so one authenticator is not added twice).</summary>
    public async Task<PasskeyChallenge> BeginRegistrationAsync(HttpContext context, IdentityUser user)
    {
        var name = user.UserName ?? user.Id;
        var result = await handler.MakeCreationOptionsAsync(new PasskeyUserEntity { Id = user.Id, Name = name, DisplayName = user.Email ?? name }, context);
        return new(result.CreationOptionsJson, Seal(RegistrationPurpose + ":" + user.Id, result.AttestationState ?? ""));
    }

    public async Task<PasskeyVerdict> FinishRegistrationAsync(HttpContext context, IdentityUser user, string credentialJson, string sealedState, string name)
    {
        if (Unseal(RegistrationPurpose + ":" + user.Id, sealedState) is not { } state)
        {
            return PasskeyVerdict.Failed("state-expired-or-altered");
        }

        PasskeyAttestationResult result;
        try
        {
            result = await handler.PerformAttestationAsync(new PasskeyAttestationContext { CredentialJson = credentialJson, AttestationState = state, HttpContext = context });
        }
        catch (Exception ex) when (IsMalformedInput(ex))
        {
            return PasskeyVerdict.Failed("malformed-credential");
        }

        if (!result.Succeeded)
        {
            return PasskeyVerdict.Failed(ForLog(result.Failure.Message));
        }

        if (result.UserEntity.Id != user.Id || !await UseOnceAsync(state, context.RequestAborted))
        {
            return PasskeyVerdict.Failed("challenge-replayed");
        }

        result.Passkey.Name = name;
        try
        {
            if (!(await users.AddOrUpdatePasskeyAsync(user, result.Passkey)).Succeeded)
            {
                return PasskeyVerdict.Failed("passkey-update-conflict");
            }
        }
        catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
        {
            // The same credential registered at the same moment by another request (or account): the key decided.
            return PasskeyVerdict.Failed("credential-already-registered");
        }

        return new(user, result.Passkey, null);
    }

    private string Seal(string purpose, string state) =>
        protection.CreateProtector(purpose).ToTimeLimitedDataProtector().Protect(state, clock.GetUtcNow() + options.Value.CeremonyTimeout);

    private string? Unseal(string purpose, string sealedState)
    {
        try
        {
            return protection.CreateProtector(purpose).ToTimeLimitedDataProtector().Unprotect(sealedState, out var expiration) is var state
                && expiration > clock.GetUtcNow() ? state : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>True for the first caller with this ceremony's state (which holds its random challenge), on any instance.</summary>
    private Task<bool> UseOnceAsync(string state, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("passkey-challenge\n" + state)));
        var expiresAt = (clock.GetUtcNow() + options.Value.CeremonyTimeout).UtcDateTime;
        return InsertIfAbsent.ExecuteAsync(db, new OneTimeUse { Key = key, ExpiresAt = expiresAt }, cancellationToken);
    }

    private Task<int> MarkUsedAsync(byte[] credentialId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Set<IdentityUserPasskey<string>>().Where(p => p.CredentialId == credentialId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => EF.Property<DateTime?>(p, IdentitySchema.LastUsedAt), now), cancellationToken);
    }

    /// <summary>
    /// Identity's reason, for the audit log: it can quote what the browser sent (an origin, a type), which is the
    /// caller's to write, so control characters (a forged log line) go and the length is capped.
    /// </summary>
    private static string ForLog(string reason)
    {
        var clean = new string([.. reason.Select(c => char.IsControl(c) ? ' ' : c)]);
        return clean.Length > 200 ? clean[..200] : clean;
    }

    /// <summary>Identity reports what it recognises as a failed ceremony; input too broken for its parser throws instead.</summary>
    private static bool IsMalformedInput(Exception ex) =>
        ex is JsonException or FormatException or ArgumentException or CryptographicException or OverflowException or IndexOutOfRangeException;
}
