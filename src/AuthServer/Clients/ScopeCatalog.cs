using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace AuthServer.Clients;

/// <summary>
/// Scope → resource (audience) lookups from configuration, in memory: the store is written from the
/// same configuration, so asking the database on every token request would only add a round trip.
/// </summary>
public sealed class ScopeCatalog(IOptions<CatalogOptions> options)
{
    private readonly FrozenDictionary<string, string[]> _resources = options.Value.Scopes
        .ToFrozenDictionary(pair => pair.Key, pair => pair.Value.Resources.ToArray(), StringComparer.Ordinal);

    public IEnumerable<string> ApiScopes => _resources.Keys;

    public IEnumerable<string> ResourcesFor(IEnumerable<string> scopes) =>
        scopes.SelectMany(scope => _resources.GetValueOrDefault(scope) ?? []).Distinct(StringComparer.Ordinal);
}
