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
    private const int MaxEntries = 1024;
    private static readonly byte[] s_processKey = RandomNumberGenerator.GetBytes(32);
    private static readonly ConcurrentDictionary<string, byte[]> s_verified = new(StringComparer.Ordinal);

    protected override async ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
    {
        var fingerprint = HMACSHA256.HashData(s_processKey, Encoding.UTF8.GetBytes(secret));
        if (s_verified.TryGetValue(comparand, out var known) && CryptographicOperations.FixedTimeEquals(fingerprint, known))
        {
            return true;
        }

        if (!await base.ValidateClientSecretAsync(secret, comparand, cancellationToken))
        {
            return false;
        }

        if (s_verified.Count >= MaxEntries)
        {
            s_verified.Clear();
        }

        s_verified[comparand] = fingerprint;
        return true;
    }
}
