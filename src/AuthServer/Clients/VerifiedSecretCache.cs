using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace AuthServer.Clients;

/// <summary>
/// Client secrets are stored as PBKDF2 hashes (10,000 iterations, a few milliseconds each): right for a stolen
/// table, wasteful when the same machine client asks for a token a thousand times a minute. After one successful
/// PBKDF2 check, this remembers an HMAC of the secret under a key that exists only in this process, keyed by the
/// stored hash (so a rotated secret misses). Later requests compare HMACs in constant time. Failures are never
/// remembered: guessing still pays full PBKDF2 per attempt.
/// </summary>
public sealed class CachingApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store)
    where TApplication : class
{
    private static readonly VerifiedSecrets s_verified = new();

    protected override async ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
    {
        if (s_verified.IsKnown(secret, comparand))
        {
            return true;
        }

        if (!await base.ValidateClientSecretAsync(secret, comparand, cancellationToken))
        {
            return false;
        }

        s_verified.Remember(secret, comparand);
        return true;
    }
}

/// <summary>HMACs of secrets that passed a full check, under a key that never leaves this process.</summary>
public sealed class VerifiedSecrets
{
    private const int MaxEntries = 1024;
    private readonly byte[] _processKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);

    public bool IsKnown(string secret, string comparand) =>
        _verified.TryGetValue(comparand, out var known) && CryptographicOperations.FixedTimeEquals(Fingerprint(secret), known);

    public void Remember(string secret, string comparand)
    {
        if (_verified.Count >= MaxEntries)
        {
            _verified.Clear();
        }

        _verified[comparand] = Fingerprint(secret);
    }

    private byte[] Fingerprint(string secret) => HMACSHA256.HashData(_processKey, Encoding.UTF8.GetBytes(secret));
}
