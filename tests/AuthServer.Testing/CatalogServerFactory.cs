using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// A server with a second machine client (`partner`), optionally on another server's database file, so a test can
/// start instances of different configurations one after the other, as a rolling deployment does.
/// </summary>
public sealed class CatalogServerFactory : AuthServerFactory
{
    public const string Partner = "partner";
    public const string PartnerSecret = "partner-test-secret";

    public CatalogServerFactory(long version, AuthServerFactory? sameDatabaseAs = null, bool withPartner = true)
    {
        Set("Catalog:Version", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (sameDatabaseAs is not null)
        {
            Set("Database:ConnectionString", $"Data Source={Path.Combine(sameDatabaseAs.Folder, "auth.db")}");
        }

        if (withPartner)
        {
            Set($"Catalog:Clients:{Partner}:ClientSecret", PartnerSecret);
            Set($"Catalog:Clients:{Partner}:GrantTypes:0", "client_credentials");
            Set($"Catalog:Clients:{Partner}:Scopes:0", "api");
        }
    }

    /// <summary>As <see cref="AuthServerFactory.Set"/>, chaining on this type.</summary>
    public new CatalogServerFactory Set(string key, string? value)
    {
        base.Set(key, value);
        return this;
    }

    /// <summary>Starts the server (catalog sync runs at start) and returns a token client on it.</summary>
    public TokenClient Start() => new(CreateClient());

    public static Task<TokenResponse> PartnerTokenAsync(TokenClient client, string secret) => client.PostAsync(new()
    {
        ["grant_type"] = "client_credentials", ["client_id"] = Partner, ["client_secret"] = secret, ["scope"] = "api",
    });

    /// <summary>The stored row as the store holds it, or null.</summary>
    public Task<OpenIddictEntityFrameworkCoreApplication?> StoredAsync(string clientId) =>
        WithDbAsync(db => db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking().SingleOrDefaultAsync(a => a.ClientId == clientId));

    public bool Logged(int eventId, string name) =>
        LogEvents.Any(e => LogEventIds.Of(e) == eventId && e.RenderMessage().Contains($"\"{name}\"", StringComparison.Ordinal));
}
