using System.Security.Cryptography;
using System.Xml;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AuthServer.Bff.Sessions;

/// <summary>
/// Refuses to start on a shared key ring this instance cannot decrypt (another certificate or key-encryption key, or
/// none): it would otherwise add a key of its own to the ring and quietly sign out everyone it serves.
/// </summary>
public sealed class BffKeyRingCheck(IKeyManager keys, ILogger<BffKeyRingCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var key in keys.GetAllKeys().Where(key => !key.IsRevoked))
        {
            try
            {
                // Reading the descriptor decrypts the key's secret with the configured protection.
                _ = key.Descriptor;
            }
            catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or FormatException or XmlException)
            {
                BffLog.KeyRingUndecryptable(logger, key.KeyId, ex.GetType().Name);
                throw new InvalidOperationException(
                    $"The BFF key ring in the session database cannot be decrypted (key {key.KeyId}): this instance does not hold the certificate or " +
                    "key-encryption key that protected it (Bff:DataProtection must name the same one on every instance).");
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
