using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
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
    public ValueTask<TApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken) =>
        FindAsync(entries.ByClientId, identifier, store.FindByClientIdAsync, cancellationToken);

    public ValueTask<TApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken) =>
        FindAsync(entries.ById, identifier, store.FindByIdAsync, cancellationToken);

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
            entries.ByClientId.TryRemove(clientId, out _);
        }

        if (await store.GetIdAsync(application, cancellationToken) is { } id)
        {
            entries.ById.TryRemove(id, out _);
        }
    }

    private async ValueTask<TApplication?> FindAsync(
        ConcurrentDictionary<string, ApplicationEntries<TApplication>.Entry> entriesByKey, string key,
        Func<string, CancellationToken, ValueTask<TApplication?>> load, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (entriesByKey.TryGetValue(key, out var entry) && entry.Expires > now)
        {
            return entry.Application;
        }

        var application = await load(key, cancellationToken);
        if (application is not null)
        {
            entries.Trim(entriesByKey);
            entriesByKey[key] = new(application, now + ApplicationEntries<TApplication>.Lifetime);
        }

        return application;
    }
}

/// <summary>The process-wide half of <see cref="SharedApplicationCache{TApplication}"/> (a singleton per server).</summary>
public sealed class ApplicationEntries<TApplication> where TApplication : class
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 1024;

    public ConcurrentDictionary<string, Entry> ByClientId { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Entry> ById { get; } = new(StringComparer.Ordinal);

    /// <summary>Bounded: a catalog is small, so reaching the cap means something odd; start over rather than grow.</summary>
    public void Trim(ConcurrentDictionary<string, Entry> entries)
    {
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }
    }

    public sealed record Entry(TApplication Application, DateTimeOffset Expires);
}
