using System.ComponentModel.DataAnnotations;
using AuthServer.Bff.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AuthServer.Bff;

/// <summary>Where the BFF's sessions and their tokens are kept.</summary>
public enum BffSessionStore
{
    /// <summary>A SQLite file: the default, shared by every instance on one machine or volume.</summary>
    Sqlite,

    /// <summary>SQL Server: several instances behind a load balancer.</summary>
    SqlServer,

    /// <summary>Process memory: one instance only; every session ends when it restarts.</summary>
    Memory,
}

/// <summary>What a backend-for-frontend must know to act as AuthServer's confidential client for one SPA.</summary>
public sealed class AuthServerBffOptions
{
    public const string Section = "Bff";

    /// <summary>The issuer; its discovery document names every endpoint the BFF calls.</summary>
    [Required]
    public Uri? Authority { get; set; }

    [Required(AllowEmptyStrings = false)]
    public string ClientId { get; set; } = "";

    /// <summary>The BFF is a confidential client (browser-based-apps BCP §6.1); supply the secret from a secret store, never appsettings.json.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ClientSecret { get; set; } = "";

    /// <summary>Space-separated, as the `scope` parameter is spelled (RFC 6749 §3.3); must hold `openid` and `offline_access`.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Scope { get; set; } = "openid profile offline_access";

    /// <summary>Only development may talk to the server over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public BffSessionStore SessionStore { get; set; } = BffSessionStore.Sqlite;

    /// <summary>The session database (and its Data Protection key ring); required unless <see cref="SessionStore"/> is Memory.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How the Data Protection key ring in the session database is encrypted at rest: one block, filled once per deployment.</summary>
    public BffKeyRingOptions DataProtection { get; set; } = new();

    /// <summary>
    /// The largest body the BFF reads or forwards (Kestrel's own default is 30 MB): 1 MB; a larger one is refused with 413
    /// before anything reads it. The back-channel logout takes at most 16 KB whatever this says.
    /// </summary>
    [Range(typeof(long), "4096", "104857600")]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Unset: SQLite migrates at start, SQL Server does not (apply the migrations first, as for the server).</summary>
    public bool? MigrateOnStartup { get; set; }

    /// <summary>Absolute lifetime of a BFF session from sign-in; use never extends it.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>An access token this close to expiry is refreshed before it is forwarded, so an API never sees it expire in flight.</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one instance may hold a session's refresh before another may take over (a crashed holder's lease runs out).</summary>
    public TimeSpan RefreshLease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Timeout of every call to the server (discovery, token, revocation).</summary>
    public TimeSpan BackchannelTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The `__Host-` prefix makes the browser insist on Secure, Path=/ and no Domain.</summary>
    [Required(AllowEmptyStrings = false)]
    public string CookieName { get; set; } = "__Host-bff";

    /// <summary>APIs reached through the BFF: each path prefix is forwarded, path unchanged, to its destination with the user's access token.</summary>
    public Dictionary<string, BffApi> Apis { get; } = new(StringComparer.Ordinal);

    internal IReadOnlyList<string> Scopes => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    internal bool ShouldMigrateOnStartup => MigrateOnStartup ?? SessionStore == BffSessionStore.Sqlite;
}

public sealed class BffApi
{
    /// <summary>For example `/api`: every request under it is forwarded.</summary>
    [Required(AllowEmptyStrings = false)]
    public string PathPrefix { get; set; } = "";

    [Required]
    public Uri? Destination { get; set; }
}

/// <summary>Cross-field rules that data annotations cannot express.</summary>
public sealed class AuthServerBffOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthServerBffOptions>
{
    public static readonly TimeSpan MaxRefreshBeforeExpiry = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, AuthServerBffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Authority is { } authority)
        {
            if (!authority.IsAbsoluteUri)
            {
                failures.Add("Bff:Authority must be an absolute URI.");
            }
            else if (options.RequireHttpsMetadata && authority.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add("Bff:Authority must use HTTPS unless RequireHttpsMetadata is false (Development only).");
            }
        }

        if (!options.RequireHttpsMetadata && !environment.IsDevelopment())
        {
            failures.Add("Bff:RequireHttpsMetadata may be false only in Development.");
        }

        // The BFF exists to hold a refresh token (offline_access) and to know who signed in (openid).
        if (!options.Scopes.Contains("openid", StringComparer.Ordinal) || !options.Scopes.Contains("offline_access", StringComparer.Ordinal))
        {
            failures.Add("Bff:Scope must include openid and offline_access.");
        }

        if (options.SessionStore != BffSessionStore.Memory && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"Bff:ConnectionString is required for the {options.SessionStore} session store.");
        }

        failures.AddRange(BffKeyRingSetup.Validate(options, environment));

        if (options.SessionLifetime <= TimeSpan.Zero)
        {
            failures.Add("Bff:SessionLifetime must be positive.");
        }

        if (options.RefreshBeforeExpiry < TimeSpan.Zero || options.RefreshBeforeExpiry > MaxRefreshBeforeExpiry)
        {
            failures.Add($"Bff:RefreshBeforeExpiry must be between 0 and {MaxRefreshBeforeExpiry}.");
        }

        if (options.RefreshLease < TimeSpan.FromSeconds(1) || options.RefreshLease > TimeSpan.FromMinutes(2))
        {
            failures.Add("Bff:RefreshLease must be between 1 second and 2 minutes.");
        }

        // A refresh must end (answer or timeout) inside its lease, or a second instance could send the same refresh token.
        if (options.BackchannelTimeout <= TimeSpan.Zero || options.BackchannelTimeout >= options.RefreshLease)
        {
            failures.Add("Bff:BackchannelTimeout must be positive and shorter than RefreshLease.");
        }

        if (!options.CookieName.StartsWith("__Host-", StringComparison.Ordinal))
        {
            failures.Add("Bff:CookieName must start with __Host- (the browser then insists on Secure, Path=/ and no Domain).");
        }

        foreach (var (id, api) in options.Apis)
        {
            var prefix = api.PathPrefix;
            if (!prefix.StartsWith('/') || prefix.EndsWith('/') || prefix.Contains('{', StringComparison.Ordinal)
                || prefix.Equals(BffPaths.Root, StringComparison.OrdinalIgnoreCase) || prefix.StartsWith(BffPaths.Root + "/", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"Bff:Apis:{id}:PathPrefix must start with '/', not end with '/', hold no route parameter, and stay outside {BffPaths.Root}.");
            }

            if (api.Destination is { } destination)
            {
                if (!destination.IsAbsoluteUri || (destination.Scheme != Uri.UriSchemeHttps && destination.Scheme != Uri.UriSchemeHttp))
                {
                    failures.Add($"Bff:Apis:{id}:Destination must be an absolute http(s) URI.");
                }
                else if (destination.Scheme != Uri.UriSchemeHttps && !environment.IsDevelopment())
                {
                    // RFC 6750 §5.3: a bearer token travels only over TLS.
                    failures.Add($"Bff:Apis:{id}:Destination must use HTTPS outside Development.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
