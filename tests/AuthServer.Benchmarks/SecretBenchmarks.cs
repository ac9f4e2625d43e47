using System.Security.Cryptography;
using AuthServer.Clients;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Benchmarks;

/// <summary>
/// Password and client-secret checks beside raw PBKDF2. The password hasher should cost what its PBKDF2 costs;
/// the cached client-secret path should cost an HMAC, not a PBKDF2.
/// </summary>
[MemoryDiagnoser]
public class SecretBenchmarks
{
    private const string Password = "Alice-Demo-Pass1";
    private const string Secret = "ops-demo-secret";
    private readonly PasswordHasher<IdentityUser> _hasher = new();
    private readonly IdentityUser _user = new("alice");
    private readonly byte[] _salt = RandomNumberGenerator.GetBytes(16);
    private readonly VerifiedSecrets _verified = new();
    private string _passwordHash = null!;

    [GlobalSetup]
    public void Setup()
    {
        _passwordHash = _hasher.HashPassword(_user, Password);
        _verified.Remember(Secret, "stored-hash");
    }

    [Benchmark(Description = "raw: PBKDF2-HMAC-SHA512, 100,000 iterations")]
    public byte[] RawPasswordPbkdf2() => Rfc2898DeriveBytes.Pbkdf2(Password, _salt, 100_000, HashAlgorithmName.SHA512, 32);

    [Benchmark(Description = "password: Identity PasswordHasher verify (V3)")]
    public PasswordVerificationResult VerifyPassword() => _hasher.VerifyHashedPassword(_user, _passwordHash, Password);

    [Benchmark(Description = "raw: PBKDF2-HMAC-SHA256, 10,000 iterations (OpenIddict client secret)")]
    public byte[] RawSecretPbkdf2() => Rfc2898DeriveBytes.Pbkdf2(Secret, _salt, 10_000, HashAlgorithmName.SHA256, 32);

    [Benchmark(Description = "client secret: cached verification (HMAC + constant-time compare)")]
    public bool VerifyCachedSecret() => _verified.IsKnown(Secret, "stored-hash");
}
