using System.Text.Json;
using System.Text.Json.Nodes;
using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Revocation;

/// <summary>
/// When everything issued to a client was last revoked, kept in its OpenIddict row's `Properties` like the catalog stamp
/// (no table of our own, so no migration; catalog sync and secret rotation carry it over). Client-credentials access
/// tokens have no rows to revoke: the admin API and the feed refuse those issued in or before this second (`iat` has
/// one-second resolution; the feed's receivers judge the same way, RevocationList in AuthServer.ResourceServer).
/// </summary>
public static class ClientRevocationStamp
{
    public const string Property = "authserver_tokens_revoked_at";

    // Only a rotation or a catalog sync writes the row meanwhile; each costs a re-read, not a failure.
    private const int Attempts = 5;

    /// <summary>The revocation's time in Unix seconds, or null when the client was never revoked as a whole.</summary>
    public static long? Read(string? properties)
    {
        if (string.IsNullOrEmpty(properties))
        {
            return null;
        }

        using var document = JsonDocument.Parse(properties);
        return document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty(Property, out var value) && value.TryGetInt64(out var seconds) ? seconds : null;
    }

    /// <summary>
    /// In the caller's unit of work, by a conditional update on the row's concurrency token: a writer that loaded the
    /// row before (a secret rotation) fails its own check instead of writing the stamp away.
    /// </summary>
    public static async Task WriteAsync(AuthDbContext db, string clientId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var applications = db.Set<OpenIddictEntityFrameworkCoreApplication>();
        for (var attempt = 1; ; attempt++)
        {
            var row = await applications.AsNoTracking().Where(a => a.ClientId == clientId)
                .Select(a => new { a.Id, a.Properties, a.ConcurrencyToken }).FirstOrDefaultAsync(cancellationToken);
            if (row is null)
            {
                return;
            }

            var properties = (string.IsNullOrEmpty(row.Properties) ? null : JsonNode.Parse(row.Properties) as JsonObject) ?? new JsonObject();
            properties[Property] = Math.Max(at.ToUnixTimeSeconds(), Read(row.Properties) ?? long.MinValue);
            var json = properties.ToJsonString();
            var stamp = Guid.NewGuid().ToString();
            var written = await applications.Where(a => a.Id == row.Id && a.ConcurrencyToken == row.ConcurrencyToken)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Properties, json).SetProperty(a => a.ConcurrencyToken, stamp), cancellationToken);
            if (written == 1)
            {
                return;
            }

            if (attempt == Attempts)
            {
                throw new DbUpdateConcurrencyException($"The client changed {Attempts} times while its revocation was being recorded.");
            }
        }
    }
}
