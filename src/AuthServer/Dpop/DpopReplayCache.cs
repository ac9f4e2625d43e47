using System.Security.Cryptography;
using System.Text;
using AuthServer.Contracts.Dpop;
using AuthServer.Persistence;
using Microsoft.Extensions.Options;

namespace AuthServer.Dpop;

/// <summary>
/// Every DPoP proof is accepted once, on whichever instance it reaches (RFC 9449 §11.1): its (key, `jti`) is written to
/// the database with one conditional INSERT (<see cref="InsertIfAbsent"/>), and a proof already there is a replay.
/// Written only after every other check of the request passed, so refused requests leave nothing behind.
/// </summary>
public sealed class DpopReplayCache(AuthDbContext db, IOptions<DpopOptions> options)
{
    /// <summary>False when the proof was seen before (a replay).</summary>
    public Task<bool> TryRememberAsync(DpopProof proof, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{proof.Thumbprint}\n{proof.Jti}")));
        var expiresAt = proof.KeepUntil(options.Value.ProofLifetime, options.Value.ClockSkew).UtcDateTime;
        return InsertIfAbsent.ExecuteAsync(db, new OneTimeUse { Key = key, ExpiresAt = expiresAt }, cancellationToken);
    }
}
