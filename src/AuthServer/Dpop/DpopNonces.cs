using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace AuthServer.Dpop;

/// <summary>
/// Server nonces for DPoP proofs (RFC 9449 §8) that no instance stores: a nonce is its own issue time, protected by the
/// Data Protection key ring every instance shares (in the database), so any instance can check one another issued.
/// </summary>
public sealed class DpopNonces(IDataProtectionProvider provider, IOptions<DpopOptions> options)
{
    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("AuthServer.Dpop.Nonce.v1").ToTimeLimitedDataProtector();

    public string Issue() => _protector.Protect("dpop", options.Value.NonceLifetime);

    public bool IsCurrent(string? nonce)
    {
        if (string.IsNullOrEmpty(nonce) || nonce.Length > 512)
        {
            return false;
        }

        try
        {
            return _protector.Unprotect(nonce) == "dpop";
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
