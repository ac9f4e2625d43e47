using System.Security.Cryptography;
using System.Text;
using AuthServer.Contracts.Dpop;
using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace AuthServer.Dpop;

/// <summary>
/// Every DPoP proof is accepted once, on whichever instance it reaches (RFC 9449 §11.1): its (key, `jti`) is written to
/// the database with one conditional INSERT, and a proof already there is a replay. Written only after every other check
/// of the request passed, so refused requests leave nothing behind.
/// </summary>
public sealed class DpopReplayCache(AuthDbContext db)
{
    /// <summary>False when the proof was seen before (a replay).</summary>
    public async Task<bool> TryRememberAsync(DpopProof proof, DateTime expiresAt, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{proof.Thumbprint}\n{proof.Jti}")));
        var entity = db.Model.FindEntityType(typeof(DpopProofUse))!;
        var sql = db.GetService<ISqlGenerationHelper>();
        var (table, keyColumn, expiresColumn) = (
            sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema()),
            sql.DelimitIdentifier(entity.FindProperty(nameof(DpopProofUse.Key))!.GetColumnName()),
            sql.DelimitIdentifier(entity.FindProperty(nameof(DpopProofUse.ExpiresAt))!.GetColumnName()));

        // A conflict is the expected answer to a replay, not an error: neither provider raises (or logs) one.
        var statement = db.Database.IsSqlite()
            ? $"INSERT INTO {table} ({keyColumn}, {expiresColumn}) VALUES (@key, @expires) ON CONFLICT DO NOTHING"
            : $"INSERT INTO {table} ({keyColumn}, {expiresColumn}) SELECT @key, @expires WHERE NOT EXISTS "
                + $"(SELECT 1 FROM {table} WITH (UPDLOCK, HOLDLOCK) WHERE {keyColumn} = @key)";
        using var factory = db.Database.GetDbConnection().CreateCommand();
        var parameters = new[]
        {
            entity.FindProperty(nameof(DpopProofUse.Key))!.GetRelationalTypeMapping().CreateParameter(factory, "@key", key, nullable: false),
            entity.FindProperty(nameof(DpopProofUse.ExpiresAt))!.GetRelationalTypeMapping().CreateParameter(factory, "@expires", expiresAt, nullable: false),
        };

        try
        {
            return await db.Database.ExecuteSqlRawAsync(statement, parameters, cancellationToken) == 1;
        }
        catch (Exception exception) when (UniqueViolation.Is(exception))
        {
            return false;
        }
    }
}
