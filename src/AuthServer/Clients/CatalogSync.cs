using AuthServer.BackchannelLogout;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using static OpenIddict.Abstractions.OpenIddictConstants;
using Application = OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication;
using Scope = OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreScope;

namespace AuthServer.Clients;

/// <summary>
/// Writes the configured clients and scopes into the store at start, each only if this instance's
/// <see cref="CatalogOptions.Version"/> is newer than the one that wrote the row (decision 008). A client no longer
/// configured is reported, and deleted only when <see cref="CatalogOptions.DeleteUnlistedClients"/> says so.
/// </summary>
public sealed class CatalogSync(IServiceProvider services, IOptions<CatalogOptions> options, ILogger<CatalogSync> logger) : IHostedService
{
    /// <summary>The application setting that makes DPoP mandatory for a client (Dpop/DpopBinding reads it).</summary>
    public const string RequireDpopSetting = "authserver:require_dpop";

    // Instances starting together race for the same rows; the loser re-reads and then finds nothing left to do.
    private const int Attempts = 3;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = options.Value;
        var counts = new Dictionary<CatalogDecision, int>();
        foreach (var (clientId, client) in catalog.Clients)
        {
            var decision = await RetryAsync(scope => SyncClientAsync(scope, clientId, client, cancellationToken));
            counts[decision] = counts.GetValueOrDefault(decision) + 1;
        }

        await RetryAsync(scope => RemoveUnlistedAsync(scope, cancellationToken));

        foreach (var (name, registration) in catalog.Scopes)
        {
            var decision = await RetryAsync(scope => SyncScopeAsync(scope, name, registration, cancellationToken));
            counts[decision] = counts.GetValueOrDefault(decision) + 1;
        }

        var written = counts.GetValueOrDefault(CatalogDecision.Write);
        var refused = counts.GetValueOrDefault(CatalogDecision.Older) + counts.GetValueOrDefault(CatalogDecision.Conflict);
        CatalogLog.Synced(logger, catalog.Version, catalog.Clients.Count, catalog.Scopes.Count, written, refused);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<T> RetryAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            // A fresh scope per attempt: the failed one's DbContext still tracks the stale row.
            await using var scope = services.CreateAsyncScope();
            try
            {
                return await action(scope.ServiceProvider);
            }
            catch (Exception ex) when (attempt < Attempts && ex is OpenIddictExceptions.ConcurrencyException or OpenIddictExceptions.ValidationException or DbUpdateException)
            {
                CatalogLog.SyncRaced(logger, attempt);
            }
        }
    }

    private async Task<CatalogDecision> SyncClientAsync(IServiceProvider provider, string clientId, ClientRegistration client, CancellationToken cancellationToken)
    {
        var version = options.Value.Version;
        var hash = CatalogStamp.HashOf(client);
        var manager = Manager(provider);

        // From the store, not the shared cache: a writer needs its own tracked instance.
        var store = provider.GetRequiredService<IOpenIddictApplicationStore<Application>>();
        if (await store.FindByClientIdAsync(clientId, cancellationToken) is not { } existing)
        {
            var created = Describe(clientId, client);
            new CatalogStamp(version, hash, CatalogStamp.FromConfiguration, []).WriteTo(created.Properties);
            BackchannelRegistration.WriteTo(created.Properties, client);
            await manager.CreateAsync(created, cancellationToken);
            CatalogLog.ClientWritten(logger, clientId, version);
            return CatalogDecision.Write;
        }

        var stored = new OpenIddictApplicationDescriptor();
        await manager.PopulateAsync(stored, existing, cancellationToken);
        var stamp = CatalogStamp.Read(stored.Properties);
        var decision = stamp.Decide(version, hash);
        if (decision == CatalogDecision.Unchanged && client.IsConfidential && !await manager.IsCurrentSecretAsync(existing, client.ClientSecret!, cancellationToken))
        {
            // A rotation through the admin API owns the secret now; otherwise the secret alone changed without a new version.
            if (stamp.SecretSource == CatalogStamp.FromRotation)
            {
                CatalogLog.RotatedSecretKept(logger, clientId);
                return CatalogDecision.Unchanged;
            }

            decision = CatalogDecision.Conflict;
        }

        switch (decision)
        {
            case CatalogDecision.Unchanged:
                await AddDerivedAsync(manager, existing, stored, Describe(clientId, client), cancellationToken);
                return decision;
            case CatalogDecision.Older:
                CatalogLog.OlderConfiguration(logger, "client", clientId, version, stamp.Version!.Value);
                return decision;
            case CatalogDecision.Conflict:
                CatalogLog.ConflictingConfiguration(logger, "client", clientId, version);
                return decision;
        }

        var descriptor = Describe(clientId, client);
        foreach (var (name, value) in stored.Properties)
        {
            descriptor.Properties[name] = value;
        }

        var source = CatalogStamp.FromConfiguration;
        if (client.IsConfidential && await manager.IsCurrentSecretAsync(existing, client.ClientSecret!, cancellationToken))
        {
            // Keep the stored hash: the same secret rehashed would only churn the row.
            descriptor.ClientSecret = stored.ClientSecret;
        }
        else if (client.IsConfidential && await manager.IsRetiredSecretAsync(existing, client.ClientSecret!, cancellationToken))
        {
            // A secret rotated away (perhaps because it leaked) never comes back from configuration, whatever its version.
            descriptor.ClientSecret = stored.ClientSecret;
            source = CatalogStamp.FromRotation;
            CatalogLog.RetiredSecretRefused(logger, clientId);
        }

        var retired = client.IsConfidential ? stamp.RetiredSecrets : [];
        new CatalogStamp(version, hash, client.IsConfidential ? source : null, retired).WriteTo(descriptor.Properties);
        BackchannelRegistration.WriteTo(descriptor.Properties, client);
        await manager.UpdateAsync(existing, descriptor, cancellationToken);
        CatalogLog.ClientWritten(logger, clientId, version);
        return decision;
    }

    private async Task<bool> RemoveUnlistedAsync(IServiceProvider provider, CancellationToken cancellationToken)
    {
        var manager = Manager(provider);
        var store = provider.GetRequiredService<IOpenIddictApplicationStore<Application>>();
        List<Application> unlisted = [];
        await foreach (var application in store.ListAsync(count: null, offset: null, cancellationToken))
        {
            if (await store.GetClientIdAsync(application, cancellationToken) is { } clientId && !options.Value.Clients.ContainsKey(clientId))
            {
                unlisted.Add(application);
            }
        }

        foreach (var application in unlisted)
        {
            var clientId = (await store.GetClientIdAsync(application, cancellationToken))!;
            var stamp = CatalogStamp.Read(await store.GetPropertiesAsync(application, cancellationToken));
            if (!options.Value.DeleteUnlistedClients)
            {
                CatalogLog.UnlistedKept(logger, clientId);
            }
            else if (stamp.Version >= options.Value.Version)
            {
                // Not listed by a configuration at least as new as the one that wrote it: that is a stale instance, not a removal.
                CatalogLog.UnlistedNotDeleted(logger, clientId, options.Value.Version, stamp.Version.Value);
            }
            else
            {
                // Deleting the application deletes its authorizations and tokens with it.
                await manager.DeleteAsync(application, cancellationToken);
                CatalogLog.ClientRemoved(logger, clientId);
            }
        }

        return true;
    }

    private async Task<CatalogDecision> SyncScopeAsync(IServiceProvider provider, string name, ScopeRegistration registration, CancellationToken cancellationToken)
    {
        var version = options.Value.Version;
        var hash = CatalogStamp.HashOf(registration);
        var scopes = provider.GetRequiredService<IOpenIddictScopeManager>();
        var store = provider.GetRequiredService<IOpenIddictScopeStore<Scope>>();
        var descriptor = new OpenIddictScopeDescriptor { Name = name, DisplayName = registration.DisplayName ?? name };
        descriptor.Resources.UnionWith(registration.Resources);
        new CatalogStamp(version, hash, null, []).WriteTo(descriptor.Properties);

        if (await store.FindByNameAsync(name, cancellationToken) is not { } existing)
        {
            await scopes.CreateAsync(descriptor, cancellationToken);
            return CatalogDecision.Write;
        }

        var stamp = CatalogStamp.Read(await store.GetPropertiesAsync(existing, cancellationToken));
        var decision = stamp.Decide(version, hash);
        switch (decision)
        {
            case CatalogDecision.Write:
                await scopes.UpdateAsync(existing, descriptor, cancellationToken);
                break;
            case CatalogDecision.Older:
                CatalogLog.OlderConfiguration(logger, "scope", name, version, stamp.Version!.Value);
                break;
            case CatalogDecision.Conflict:
                CatalogLog.ConflictingConfiguration(logger, "scope", name, version);
                break;
        }

        return decision;
    }

    private static CachingApplicationManager<Application> Manager(IServiceProvider provider) =>
        provider.GetRequiredService<OpenIddictApplicationManager<Application>>() as CachingApplicationManager<Application>
        ?? throw new InvalidOperationException("The application manager must be CachingApplicationManager: it checks rotated secrets.");

    /// <summary>
    /// What this server derives from an unchanged configuration that the server which wrote the row did not (a new
    /// endpoint's permission, such as RFC 9126's pushed authorization): added in place, nothing else touched, the version
    /// kept. Only ever more: what the configuration stopped granting goes with its next version, as before.
    /// </summary>
    private static async Task AddDerivedAsync(
        OpenIddictApplicationManager<Application> manager, Application existing, OpenIddictApplicationDescriptor stored, OpenIddictApplicationDescriptor derived,
        CancellationToken cancellationToken)
    {
        if (derived.Permissions.IsSubsetOf(stored.Permissions) && derived.Requirements.IsSubsetOf(stored.Requirements))
        {
            return;
        }

        stored.Permissions.UnionWith(derived.Permissions);
        stored.Requirements.UnionWith(derived.Requirements);
        try
        {
            await manager.UpdateAsync(existing, stored, cancellationToken);
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            // Another instance starting at the same moment added them.
        }
    }

    private static OpenIddictApplicationDescriptor Describe(string clientId, ClientRegistration client)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = client.ClientSecret,
            ClientType = client.IsConfidential ? ClientTypes.Confidential : ClientTypes.Public,
            ConsentType = client.ConsentType,
            DisplayName = client.DisplayName ?? clientId,
        };

        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation]);
        descriptor.Permissions.UnionWith(client.GrantTypes.Select(grant => Permissions.Prefixes.GrantType + grant));
        descriptor.Permissions.UnionWith(client.Scopes.Select(scope => Permissions.Prefixes.Scope + scope));

        if (client.GrantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization, Permissions.Endpoints.PushedAuthorization, Permissions.Endpoints.EndSession, Permissions.ResponseTypes.Code]);

            // RFC 9700 §2.1.1: PKCE for every client using the code flow, public or not.
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);

            // RFC 9126 §5: such a client's authorization requests come only through the pushed authorization endpoint.
            if (client.RequirePushedAuthorizationRequests)
            {
                descriptor.Requirements.Add(Requirements.Features.PushedAuthorizationRequests);
            }
        }

        descriptor.RedirectUris.UnionWith(client.RedirectUris);
        descriptor.PostLogoutRedirectUris.UnionWith(client.PostLogoutRedirectUris);
        if (client.RequireDpop)
        {
            descriptor.Settings[RequireDpopSetting] = "true";
        }

        return descriptor;
    }
}
