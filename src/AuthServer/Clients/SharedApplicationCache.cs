using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Memory;
using OpenIddict.Abstractions;

namespace AuthServer.Clients;

/// <summary>
/// OpenIddict looks the client up at every token request, in a cache that lives only as long as the request: one
/// query per grant, for a row that changes only when the catalog is synced or an operator edits a client. This keeps
/// found clients across requests for <see cref="ApplicationEntries{TApplication}.Lifetime"/>. Changes made through
/// this process's manager evict at once; other instances see them within the lifetime. Unknown client ids are never
/// remembered, and lookups by redirect URI (login flows only) still go to the store. The instances are shared, so
/// they are read-only: code that changes a client loads it from the store in its own scope (CatalogSync runs before
/// the first request, when nothing is cached yet).
/// </summary>
public sealed class SharedApplicationCache<TApplication>(
    ApplicationEntries<TApplication> entries, IOpenIddictApplicationStore<TApplication> store, TimeProvider clock)
    : IOpenIddictApplicationCache<TApplication>
    where TApplication : class
{
    private const string ByClientId = "client_id";
    private const string ById = "id";

    public ValueTask<TApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken) =>
        FindAsync(ByClientId, identifier, store.FindByClientIdAsync, cancellationToken);

    public ValueTask<TApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken) =>
        FindAsync(ById, identifier, store.FindByIdAsync, cancellationToken);

    public IAsyncEnumerable<TApplication> FindByPostLogoutRedirectUriAsync(
        [StringSyntax(StringSyntaxAttribute.Uri)] string uri, CancellationToken cancellationToken) =>
        store.FindByPostLogoutRedirectUriAsync(uri, cancellationToken);

    public IAsyncEnumerable<TApplication> FindByRedirectUriAsync(
        [StringSyntax(StringSyntaxAttribute.Uri)] string uri, CancellationToken cancellationToken) =>
        store.FindByRedirectUriAsync(uri, cancellationToken);

    /// <summary>Called by the manager after it creates or changes a client: the next lookup reads the new row.</summary>
    public ValueTask AddAsync(TApplication application, CancellationToken cancellationToken) => RemoveAsync(application, cancellationToken);

    public async ValueTask RemoveAsync(TApplication application, CancellationToken cancellationToken)
    {
        if (await store.GetClientIdAsync(application, cancellationToken) is { } clientId)
        {
            entries.Cache.Remove((ByClientId, clientId));
        }

        if (await store.GetIdAsync(application, cancellationToken) is { } id)
        {
            entries.Cache.Remove((ById, id));
        }
    }

    private async ValueTask<TApplication?> FindAsync(
        string kind, string identifier, Func<string, CancellationToken, ValueTask<TApplication?>> load, CancellationToken cancellationToken)
    {
        var key = (kind, identifier);
        var now = clock.GetUtcNow();
        if (entries.Cache.TryGetValue(key, out ApplicationEntries<TApplication>.Entry? entry) && entry is not null && entry.Expires > now)
        {
            return entry.Application;
        }

        var application = await load(identifier, cancellationToken);
        if (application is not null)
        {
            entries.Add(key, new(application, now + ApplicationEntries<TApplication>.Lifetime));
        }

        return application;
    }
}

/// <summary>The process-wide half of <see cref="SharedApplicationCache{TApplication}"/> (a singleton per server).</summary>
public sealed class ApplicationEntries<TApplication> : IDisposable where TApplication : class
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>A catalog is small: a full cache means something odd, so new entries wait while the oldest tenth is compacted away.</summary>
    public MemoryCache Cache { get; } = new(new MemoryCacheOptions { SizeLimit = 1024, CompactionPercentage = 0.1 });

    /// <summary>The cache's own clock removes the entry; the lookup checks <see cref="Entry.Expires"/> against ours (tests move it).</summary>
    public void Add((string Kind, string Value) key, Entry entry) =>
        Cache.Set(key, entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });

    public void Dispose() => Cache.Dispose();

    public sealed record Entry(TApplication Application, DateTimeOffset Expires);
}
