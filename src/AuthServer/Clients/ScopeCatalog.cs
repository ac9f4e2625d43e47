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

    private readonly FrozenDictionary<string, string> _requiredRoles = options.Value.Scopes
        .Where(pair => !string.IsNullOrEmpty(pair.Value.RequiredRole))
        .ToFrozenDictionary(pair => pair.Key, pair => pair.Value.RequiredRole!, StringComparer.Ordinal);

    public IEnumerable<string> ApiScopes => _resources.Keys;

    /// <summary>The requested scopes this user may hold: a role-restricted scope needs the role, now (refreshes re-check).</summary>
    public IEnumerable<string> GrantableTo(IEnumerable<string> scopes, IReadOnlyCollection<string> roles) =>
        scopes.Where(scope => !_requiredRoles.TryGetValue(scope, out var role) || roles.Contains(role));

    public IEnumerable<string> ResourcesFor(IEnumerable<string> scopes) =>
        scopes.SelectMany(scope => _resources.GetValueOrDefault(scope) ?? []).Distinct(StringComparer.Ordinal);
}
