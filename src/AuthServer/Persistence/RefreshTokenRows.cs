using Microsoft.EntityFrameworkCore;
using Token = OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken;

namespace AuthServer.Persistence;

/// <summary>
/// The refresh grant's database work (decision 017): the presented token's row redeemed by one conditional statement, its
/// successor inserted, and on a refusal the row's state read to tell a replay from a revoked or unknown token. The
/// statements are written from the model (<see cref="TokenRowStatements"/>) and run inside the caller's unit of work.
/// </summary>
public static class RefreshTokenRows
{
    /// <summary>True when this request redeemed the row; false when it was not redeemable (<see cref="TokenRowStatements.Redeem"/>).</summary>
    public static async Task<bool> TryRedeemAsync(AuthDbContext db, string id, DateTime now, TimeSpan reuseLeeway, CancellationToken cancellationToken)
    {
        var statements = TokenRowStatements.For(db);
        var parameters = statements.RedeemParameters(db, id, now, now - reuseLeeway);
        return await db.Database.ExecuteSqlRawAsync(statements.Redeem, parameters, cancellationToken) == 1;
    }

    public static async Task InsertAsync(AuthDbContext db, Token token, string? applicationId, string? authorizationId, CancellationToken cancellationToken)
    {
        var statements = TokenRowStatements.For(db);
        var parameters = statements.Parameters(db, token, new DirectWriteTokenStore.References(applicationId, authorizationId), statements.All);
        await db.Database.ExecuteSqlRawAsync(statements.Insert, parameters, cancellationToken);
    }

    /// <summary>The row's status and first redemption, or null when there is no row (pruned, or never issued here).</summary>
    public static async Task<(string? Status, DateTime? RedeemedAt)?> StateAsync(AuthDbContext db, string id, CancellationToken cancellationToken)
    {
        var row = await db.Set<Token>().AsNoTracking().Where(t => t.Id == id)
            .Select(t => new { t.Status, t.RedemptionDate }).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : (row.Status, row.RedemptionDate);
    }
}
