using Microsoft.AspNetCore.Identity;

namespace AuthServer.Tests.Infrastructure;

/// <summary>The real PBKDF2 hasher, counting its verifications.</summary>
public sealed class CountingPasswordHasher : IPasswordHasher<IdentityUser>
{
    private readonly PasswordHasher<IdentityUser> _inner = new();
    private int _verifications;

    public int Verifications => Volatile.Read(ref _verifications);

    public string HashPassword(IdentityUser user, string password) => _inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(IdentityUser user, string hashedPassword, string providedPassword)
    {
        Interlocked.Increment(ref _verifications);
        return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}
