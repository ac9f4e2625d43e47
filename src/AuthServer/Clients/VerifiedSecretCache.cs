using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
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
/// It is also the one place where secrets are checked: after a rotation the previous secret is accepted until its
/// overlap ends (<see cref="CatalogStamp.RetiredSecrets"/>, decision 008).
/// </summary>
public sealed class CachingApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store,
    TimeProvider clock)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store)
    where TApplication : class
{
    private static readonly VerifiedSecrets s_verified = new();

    public override async ValueTask<bool> ValidateClientSecretAsync(TApplication application, string secret, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var overlapping = (await RetiredSecretsAsync(application, cancellationToken)).Where(r => r.ValidUntil > now).ToList();
        if (overlapping.Count == 0)
        {
            // The base method also refuses public clients and logs a failure in OpenIddict's words.
            return await base.ValidateClientSecretAsync(application, secret, cancellationToken);
        }

        if (await IsCurrentSecretAsync(application, secret, cancellationToken))
        {
            return true;
        }

        foreach (var retired in overlapping)
        {
            if (await ValidateClientSecretAsync(secret, retired.Hash, cancellationToken))
            {
                // Worth knowing who has not switched yet; the secret itself is never logged.
                var clientId = await Store.GetClientIdAsync(application, cancellationToken);
                CatalogLog.PreviousSecretUsed(Logger, clientId, retired.ValidUntil);
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="secret"/> is the client's current secret (no overlap counted).</summary>
    public async ValueTask<bool> IsCurrentSecretAsync(TApplication application, string secret, CancellationToken cancellationToken) =>
        await Store.GetClientSecretAsync(application, cancellationToken) is { Length: > 0 } hash
        && await ValidateClientSecretAsync(secret, hash, cancellationToken);

    /// <summary>Whether <paramref name="secret"/> is one a rotation replaced, overlap over or not: configuration must not bring it back.</summary>
    public async ValueTask<bool> IsRetiredSecretAsync(TApplication application, string secret, CancellationToken cancellationToken)
    {
        foreach (var retired in await RetiredSecretsAsync(application, cancellationToken))
        {
            if (await ValidateClientSecretAsync(secret, retired.Hash, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

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

    private async ValueTask<IReadOnlyList<RetiredSecret>> RetiredSecretsAsync(TApplication application, CancellationToken cancellationToken) =>
        CatalogStamp.Read(await Store.GetPropertiesAsync(application, cancellationToken)).RetiredSecrets;
}

/// <summary>
/// HMACs of secrets that passed a full check, under a key that never leaves this process. Bounded: when full, a new
/// entry waits while the least recently used tenth is compacted away; one unused for an hour (a rotated secret) goes.
/// </summary>
public sealed class VerifiedSecrets : IDisposable
{
    private static readonly TimeSpan s_unusedFor = TimeSpan.FromHours(1);
    private readonly byte[] _processKey = RandomNumberGenerator.GetBytes(32);
    private readonly MemoryCache _verified = new(new MemoryCacheOptions { SizeLimit = 1024, CompactionPercentage = 0.1 });

    public bool IsKnown(string secret, string comparand) =>
        _verified.TryGetValue(comparand, out byte[]? known) && known is not null && CryptographicOperations.FixedTimeEquals(Fingerprint(secret), known);

    public void Remember(string secret, string comparand) =>
        _verified.Set(comparand, Fingerprint(secret), new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = s_unusedFor });

    public void Dispose() => _verified.Dispose();

    private byte[] Fingerprint(string secret) => HMACSHA256.HashData(_processKey, Encoding.UTF8.GetBytes(secret));
}
