using System.ComponentModel.DataAnnotations;

namespace AuthServer.Clients;

/// <summary>
/// The clients and scopes the server knows. Configuration is the source of truth; the store is synced from it at
/// start, but never from an older configuration than the one that last wrote a row (decision 008).
/// </summary>
public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>Bumped by the operator with every change to the catalog; an instance never overwrites rows a higher version wrote.</summary>
    [Range(0, long.MaxValue)]
    public long Version { get; set; }

    /// <summary>Deleting a client deletes its authorizations and tokens, so a client missing from configuration is only reported unless this is set.</summary>
    public bool DeleteUnlistedClients { get; set; }

    /// <summary>How long a rotated-away client secret keeps working beside the new one.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(1);

    public Dictionary<string, ClientRegistration> Clients { get; } = new(StringComparer.Ordinal);

    /// <summary>API scopes and the resources (audiences) they grant access to.</summary>
    public Dictionary<string, ScopeRegistration> Scopes { get; } = new(StringComparer.Ordinal);
}

public sealed class ClientRegistration
{
    public string? DisplayName { get; set; }

    /// <summary>Present for confidential clients only; stored hashed. Supply it from a secret store, never appsettings.json.</summary>
    public string? ClientSecret { get; set; }

    [MinLength(1)]
    public IList<string> GrantTypes { get; } = [];

    public IList<Uri> RedirectUris { get; } = [];

    public IList<Uri> PostLogoutRedirectUris { get; } = [];

    public IList<string> Scopes { get; } = [];

    /// <summary>First-party clients are trusted implicitly; `explicit` shows a consent screen.</summary>
    public string ConsentType { get; set; } = "implicit";

    /// <summary>OIDC Back-Channel Logout 1.0 §2.2: where the server POSTs a logout token when a session the client took part in ends.</summary>
    public Uri? BackchannelLogoutUri { get; set; }

    /// <summary>§2.2 backchannel_logout_session_required: the client needs `sid` in the logout token (this server always sends it).</summary>
    public bool BackchannelLogoutSessionRequired { get; set; } = true;

    /// <summary>RFC 9449: every token request of this client must carry a DPoP proof, so all its tokens are bound to a key.</summary>
    public bool RequireDpop { get; set; }

    /// <summary>RFC 9126 §5: authorization requests only by `request_uri` from the pushed authorization endpoint (code flow clients).</summary>
    public bool RequirePushedAuthorizationRequests { get; set; }

    public bool IsConfidential => !string.IsNullOrEmpty(ClientSecret);
}

public sealed class ScopeRegistration
{
    public string? DisplayName { get; set; }

    [MinLength(1)]
    public IList<string> Resources { get; } = [];

    /// <summary>When set, only users in this role are granted the scope; others get the token without it (RFC 6749 §3.3).</summary>
    public string? RequiredRole { get; set; }
}
