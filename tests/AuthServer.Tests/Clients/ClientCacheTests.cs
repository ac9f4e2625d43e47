using AuthServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Tests;

/// <summary>Clients are remembered across requests, but a change made through the manager takes effect at once.</summary>
public sealed class ClientCacheTests : IDisposable
{
    private readonly AuthServerFactory _server = new();

    [Fact]
    public async Task A_deleted_client_is_refused_on_its_very_next_request()
    {
        var client = new TokenClient(_server.CreateClient());
        (await client.ClientCredentialsAsync()).ShouldSucceed();

        using (var scope = _server.Services.CreateScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.DeleteAsync((await applications.FindByClientIdAsync("ops", TestContext.Current.CancellationToken))!, TestContext.Current.CancellationToken);
        }

        (await client.ClientCredentialsAsync()).ShouldFail(System.Net.HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task A_changed_secret_takes_effect_on_the_very_next_request()
    {
        var client = new TokenClient(_server.CreateClient());
        (await client.ClientCredentialsAsync()).ShouldSucceed();

        using (var scope = _server.Services.CreateScope())
        {
            // Loaded from the store, as a writer must: the manager hands out the shared, read-only instance.
            var store = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication>>();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var ops = (await store.FindByClientIdAsync("ops", CancellationToken.None))!;
            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, ops, TestContext.Current.CancellationToken);
            descriptor.ClientSecret = "rotated-ops-secret";
            await applications.UpdateAsync(ops, descriptor, TestContext.Current.CancellationToken);
        }

        (await client.ClientCredentialsAsync()).ShouldFail(System.Net.HttpStatusCode.Unauthorized, "invalid_client");
        (await client.ClientCredentialsAsync("rotated-ops-secret")).ShouldSucceed();
    }

    public void Dispose() => _server.Dispose();
}
