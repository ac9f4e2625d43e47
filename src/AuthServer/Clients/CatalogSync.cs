using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Clients;

/// <summary>Writes the configured clients and scopes into the store at start and removes those no longer configured.</summary>
public sealed partial class CatalogSync(IServiceProvider services, IOptions<CatalogOptions> options, ILogger<CatalogSync> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();

        foreach (var (clientId, client) in options.Value.Clients)
        {
            var descriptor = Describe(clientId, client);
            if (await applications.FindByClientIdAsync(clientId, cancellationToken) is { } existing)
            {
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
            }
            else
            {
                await applications.CreateAsync(descriptor, cancellationToken);
            }
        }

        await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            var clientId = await applications.GetClientIdAsync(application, cancellationToken);
            if (clientId is not null && !options.Value.Clients.ContainsKey(clientId))
            {
                // Deleting the application deletes its authorizations and tokens with it.
                await applications.DeleteAsync(application, cancellationToken);
                LogClientRemoved(logger, clientId);
            }
        }

        foreach (var (name, registration) in options.Value.Scopes)
        {
            var descriptor = new OpenIddictScopeDescriptor { Name = name, DisplayName = registration.DisplayName ?? name };
            descriptor.Resources.UnionWith(registration.Resources);
            if (await scopes.FindByNameAsync(name, cancellationToken) is { } existing)
            {
                await scopes.UpdateAsync(existing, descriptor, cancellationToken);
            }
            else
            {
                await scopes.CreateAsync(descriptor, cancellationToken);
            }
        }

        LogCatalogSynced(logger, options.Value.Clients.Count, options.Value.Scopes.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession, Permissions.ResponseTypes.Code]);

            // RFC 9700 §2.1.1: PKCE for every client using the code flow, public or not.
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        descriptor.RedirectUris.UnionWith(client.RedirectUris);
        descriptor.PostLogoutRedirectUris.UnionWith(client.PostLogoutRedirectUris);
        return descriptor;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Catalog synced: {Clients} client(s), {Scopes} scope(s)")]
    private static partial void LogCatalogSynced(ILogger logger, int clients, int scopes);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Client {ClientId} is no longer configured: removed with its authorizations and tokens")]
    private static partial void LogClientRemoved(ILogger logger, string clientId);
}
