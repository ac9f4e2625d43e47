using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AuthServer.Clients;

/// <summary>What configuration sync may do with one stored row, given the versions on both sides (decision 008).</summary>
public enum CatalogDecision
{
    /// <summary>No row yet, a row from before versions, or a newer configuration: write it.</summary>
    Write,

    /// <summary>Same version, same content: nothing to do.</summary>
    Unchanged,

    /// <summary>The row was written by a newer configuration than this instance holds.</summary>
    Older,

    /// <summary>Two configurations claim the same version with different content.</summary>
    Conflict,
}

/// <summary>
/// The configuration version and content hash stored with each client and scope, in the row's OpenIddict
/// `Properties` JSON (no table of our own, so no migration), plus the secrets a rotation retired.
/// </summary>
public sealed record CatalogStamp(long? Version, string? Hash, string? SecretSource, IReadOnlyList<RetiredSecret> RetiredSecrets)
{
    public const string VersionProperty = "authserver_catalog_version";
    public const string HashProperty = "authserver_catalog_hash";
    public const string SecretSourceProperty = "authserver_secret_source";
    public const string RetiredSecretsProperty = "authserver_retired_secrets";

    /// <summary>Values of <see cref="SecretSource"/>: who set the secret the row holds now.</summary>
    public const string FromConfiguration = "configuration";
    public const string FromRotation = "rotation";

    /// <summary>Enough to refuse a secret rotated away recently, small enough to check at every start (one PBKDF2 each).</summary>
    public const int MaxRetiredSecrets = 5;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static CatalogStamp Read(IReadOnlyDictionary<string, JsonElement> properties) => new(
        properties.TryGetValue(VersionProperty, out var version) && version.ValueKind == JsonValueKind.Number ? version.GetInt64() : null,
        properties.TryGetValue(HashProperty, out var hash) ? hash.GetString() : null,
        properties.TryGetValue(SecretSourceProperty, out var source) ? source.GetString() : null,
        properties.TryGetValue(RetiredSecretsProperty, out var retired) && retired.ValueKind == JsonValueKind.Array
            ? retired.Deserialize<List<RetiredSecret>>(s_json) ?? []
            : []);

    public void WriteTo(IDictionary<string, JsonElement> properties)
    {
        Set(properties, VersionProperty, Version);
        Set(properties, HashProperty, Hash);
        Set(properties, SecretSourceProperty, SecretSource);
        Set(properties, RetiredSecretsProperty, RetiredSecrets.Count == 0 ? null : RetiredSecrets);
    }

    /// <summary>An equal version must mean equal content, or two configurations are fighting: refuse rather than pick one.</summary>
    public CatalogDecision Decide(long version, string hash) => Version switch
    {
        null => CatalogDecision.Write,
        var stored when version > stored => CatalogDecision.Write,
        var stored when version < stored => CatalogDecision.Older,
        _ => string.Equals(Hash, hash, StringComparison.Ordinal) ? CatalogDecision.Unchanged : CatalogDecision.Conflict,
    };

    /// <summary>SHA-256 of the normalized settings (sets sorted). The secret is left out: an unsalted fast hash of it must not sit in a table.</summary>
    public static string HashOf(ClientRegistration client) =>
        (client.BackchannelLogoutUri is null && client.BackchannelLogoutSessionRequired, client.RequireDpop, client.RequirePushedAuthorizationRequests) switch
    {
        (true, false, false) => HashOf(Normalized(client)),
        (false, false, false) => HashOf(new
        {
            Settings = Normalized(client),
            BackchannelLogoutUri = client.BackchannelLogoutUri?.OriginalString,
            client.BackchannelLogoutSessionRequired,
        }),

        // Added later again: a client without it keeps its hash.
        (_, true, false) => HashOf(new
        {
            Settings = Normalized(client),
            BackchannelLogoutUri = client.BackchannelLogoutUri?.OriginalString,
            client.BackchannelLogoutSessionRequired,
            client.RequireDpop,
        }),
        _ => HashOf(new
        {
            Settings = Normalized(client),
            BackchannelLogoutUri = client.BackchannelLogoutUri?.OriginalString,
            client.BackchannelLogoutSessionRequired,
            client.RequireDpop,
            client.RequirePushedAuthorizationRequests,
        }),
    };

    public static string HashOf(ScopeRegistration scope) => HashOf(new { scope.DisplayName, Resources = Sorted(scope.Resources) });

    // The settings every client had before back-channel logout: a client without it keeps the hash it was stored with,
    // so upgrading the server alone never turns an unchanged client into a same-version conflict.
    private static object Normalized(ClientRegistration client) => new
    {
        client.DisplayName,
        client.IsConfidential,
        client.ConsentType,
        GrantTypes = Sorted(client.GrantTypes),
        RedirectUris = Sorted(client.RedirectUris.Select(u => u.OriginalString)),
        PostLogoutRedirectUris = Sorted(client.PostLogoutRedirectUris.Select(u => u.OriginalString)),
        Scopes = Sorted(client.Scopes),
    };

    private static string HashOf(object normalized) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(normalized, s_json))));

    private static string[] Sorted(IEnumerable<string> values) => [.. values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static void Set<T>(IDictionary<string, JsonElement> properties, string name, T? value)
    {
        if (value is null)
        {
            properties.Remove(name);
        }
        else
        {
            properties[name] = JsonSerializer.SerializeToElement(value, s_json);
        }
    }
}

/// <summary>A client secret replaced by a rotation: its stored hash (as OpenIddict hashes it) and the end of its overlap.</summary>
public sealed record RetiredSecret(string Hash, DateTimeOffset ValidUntil);
