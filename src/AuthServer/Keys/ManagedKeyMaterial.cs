using System.Collections.Concurrent;
using System.Security.Cryptography;
using AuthServer.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Keys;

/// <summary>
/// A managed key's material: generated here, stored only as Data Protection ciphertext, opened once per process and
/// kept while the ring holds the key. Every instance must hold the same Data Protection key ring to open it.
/// </summary>
public sealed class ManagedKeyMaterial(IDataProtectionProvider protection, ILogger logger)
{
    private readonly IDataProtector _protector = protection.CreateProtector("AuthServer.Keys.ManagedKey.v1");
    private readonly ConcurrentDictionary<string, SecurityKey> _open = new(StringComparer.Ordinal);

    /// <summary>A new key of <paramref name="use"/>, its material protected, not yet stored.</summary>
    public ManagedKey Create(string use, int generation, DateTime activatesAt, DateTime now, string actor, TimeSpan activePeriod)
    {
        byte[] material;
        string kid;
        switch (use)
        {
            case KeyUses.Access:
                using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    material = ec.ExportPkcs8PrivateKey();
                    kid = KeyRing.WithThumbprintKeyId(ec).KeyId;
                }

                break;
            case KeyUses.Identity:
                using (var rsa = RSA.Create(2048))
                {
                    material = rsa.ExportPkcs8PrivateKey();
                    kid = KeyRing.WithThumbprintKeyId(rsa).KeyId;
                }

                break;
            default:
                material = RandomNumberGenerator.GetBytes(KeyFileInspection.AesKeyBytes);
                kid = "enc-" + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12));
                break;
        }

        var protectedKey = Convert.ToBase64String(_protector.Protect(material));
        CryptographicOperations.ZeroMemory(material);
        return new ManagedKey
        {
            Kid = kid,
            Use = use,
            Generation = generation,
            Algorithm = KeyUses.Algorithm(use),
            ProtectedKey = protectedKey,
            CreatedAt = now,
            ActivatesAt = activatesAt,
            RetiresAt = activatesAt + activePeriod,
            Actor = actor,
        };
    }

    /// <summary>The key of a stored row, opened once.</summary>
    public SecurityKey Open(ManagedKey row) => _open.GetOrAdd(row.Kid, kid =>
    {
        byte[] material;
        try
        {
            material = _protector.Unprotect(Convert.FromBase64String(row.ProtectedKey));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            KeyLog.Undecryptable(logger, kid, row.Use);
            throw new InvalidOperationException(
                $"Managed key {kid} ({row.Use}) cannot be decrypted: this instance does not hold the Data Protection key ring that protected it " +
                "(DataProtection:Protection must name the same certificate or key-encryption key on every instance).");
        }

        try
        {
            switch (row.Use)
            {
                case KeyUses.Encryption:
                    return new SymmetricSecurityKey(material) { KeyId = row.Kid };
                case KeyUses.Access:
                    var ec = ECDsa.Create();
                    ec.ImportPkcs8PrivateKey(material, out _);
                    return KeyRing.WithThumbprintKeyId(ec);
                default:
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(material, out _);
                    return KeyRing.WithThumbprintKeyId(rsa);
            }
        }
        finally
        {
            if (row.Use != KeyUses.Encryption)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    });

    public void Forget(string kid) => _open.TryRemove(kid, out _);

    /// <summary>Drops opened keys the ring no longer holds, so removed and revoked material leaves memory.</summary>
    public void KeepOnly(IEnumerable<string> kids)
    {
        var kept = kids.ToHashSet(StringComparer.Ordinal);
        foreach (var stale in _open.Keys.Where(kid => !kept.Contains(kid)))
        {
            _open.TryRemove(stale, out _);
        }
    }
}
