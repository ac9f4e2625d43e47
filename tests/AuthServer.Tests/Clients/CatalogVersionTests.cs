using System.Net;
using AuthServer.BackchannelLogout;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>
/// Instances of one deployment share the catalog rows: an older configuration changes nothing and says so, a newer
/// one updates, and a client missing from configuration is deleted only when an option says so (decision 008).
/// </summary>
public sealed class CatalogVersionTests
{
    private const string NewCallback = "http://localhost:5173/new-callback";

    [Fact]
    public async Task An_instance_with_an_older_catalog_version_changes_nothing_and_logs_an_error_naming_the_client()
    {
        using var newer = new CatalogServerFactory(version: 2);
        newer.Set("Catalog:Clients:spa:RedirectUris:1", NewCallback).Start();
        var before = await newer.StoredAsync("spa");

        using var older = new CatalogServerFactory(version: 1, sameDatabaseAs: newer, withPartner: false);
        older.Set("Catalog:DeleteUnlistedClients", "true");
        var client = older.Start();

        var after = await older.StoredAsync("spa");
        Assert.Contains(NewCallback, after!.RedirectUris, StringComparison.Ordinal);
        Assert.Equal(before!.ConcurrencyToken, after.ConcurrencyToken);
        Assert.True(older.Logged(1104, "spa"), "no error naming spa");

        // Even with deletion allowed, an older configuration's silence about a client is not a removal.
        Assert.NotNull(await older.StoredAsync(CatalogServerFactory.Partner));
        Assert.True(older.Logged(1108, CatalogServerFactory.Partner));
        (await CatalogServerFactory.PartnerTokenAsync(client, CatalogServerFactory.PartnerSecret)).ShouldSucceed();
    }

    [Fact]
    public async Task A_newer_catalog_version_updates_the_client()
    {
        using var first = new CatalogServerFactory(version: 1);
        first.Start();

        using var second = new CatalogServerFactory(version: 2, sameDatabaseAs: first);
        second.Set("Catalog:Clients:spa:RedirectUris:1", NewCallback).Start();

        Assert.Contains(NewCallback, (await second.StoredAsync("spa"))!.RedirectUris, StringComparison.Ordinal);
        Assert.True(second.Logged(1111, "spa"));
        Assert.DoesNotContain(second.LogEvents, e => e.Level >= Serilog.Events.LogEventLevel.Error && LogEventIds.Of(e) is >= 1100 and < 1200);
    }

    [Fact]
    public async Task A_back_channel_logout_uri_is_stored_only_by_a_newer_catalog_version_and_removed_the_same_way()
    {
        const string Uri = "https://rp.example/backchannel-logout";
        using var first = new CatalogServerFactory(version: 1);
        first.Start();

        using var sameVersion = new CatalogServerFactory(version: 1, sameDatabaseAs: first);
        sameVersion.Set("Catalog:Clients:spa:BackchannelLogoutUri", Uri).Start();
        Assert.Null(await BackchannelOfAsync(sameVersion));
        Assert.True(sameVersion.Logged(1105, "spa"));

        using var newer = new CatalogServerFactory(version: 2, sameDatabaseAs: first);
        newer.Set("Catalog:Clients:spa:BackchannelLogoutUri", Uri).Start();
        Assert.Equal(new BackchannelRegistration(new Uri(Uri), SessionRequired: true), await BackchannelOfAsync(newer));

        using var removed = new CatalogServerFactory(version: 3, sameDatabaseAs: first);
        removed.Start();
        Assert.Null(await BackchannelOfAsync(removed));
    }

    [Fact]
    public async Task Two_configurations_claiming_the_same_version_are_refused_with_an_error()
    {
        using var first = new CatalogServerFactory(version: 3);
        first.Start();

        using var second = new CatalogServerFactory(version: 3, sameDatabaseAs: first);
        second.Set("Catalog:Clients:spa:RedirectUris:1", NewCallback).Start();

        Assert.DoesNotContain(NewCallback, (await second.StoredAsync("spa"))!.RedirectUris, StringComparison.Ordinal);
        Assert.True(second.Logged(1105, "spa"));
    }

    [Fact]
    public async Task A_client_missing_from_configuration_is_kept_by_default_and_deleted_only_with_the_option()
    {
        using var first = new CatalogServerFactory(version: 1);
        var partnerToken = (await CatalogServerFactory.PartnerTokenAsync(first.Start(), CatalogServerFactory.PartnerSecret)).ShouldSucceed();

        using var second = new CatalogServerFactory(version: 2, sameDatabaseAs: first, withPartner: false);
        second.Start();
        Assert.NotNull(await second.StoredAsync(CatalogServerFactory.Partner));
        Assert.True(second.Logged(1103, CatalogServerFactory.Partner));

        using var third = new CatalogServerFactory(version: 3, sameDatabaseAs: first, withPartner: false);
        third.Set("Catalog:DeleteUnlistedClients", "true").Start();
        Assert.Null(await third.StoredAsync(CatalogServerFactory.Partner));
        Assert.True(third.Logged(1102, CatalogServerFactory.Partner));
        Assert.NotNull(partnerToken.AccessToken);
    }

    [Fact]
    public async Task Instances_starting_together_with_the_same_newer_version_all_start_and_agree()
    {
        using var first = new CatalogServerFactory(version: 1);
        first.Start();

        var instances = Enumerable.Range(0, 3)
            .Select(_ => new CatalogServerFactory(version: 2, sameDatabaseAs: first).Set("Catalog:Clients:spa:RedirectUris:1", NewCallback))
            .ToList();
        try
        {
            var clients = await Task.WhenAll(instances.Select(i => Task.Run(i.Start)));

            Assert.Contains(NewCallback, (await first.StoredAsync("spa"))!.RedirectUris, StringComparison.Ordinal);
            Assert.DoesNotContain(instances.SelectMany(i => i.LogEvents), e => LogEventIds.Of(e) is 1104 or 1105);
            foreach (var (instance, client) in instances.Zip(clients))
            {
                Assert.Equal(HttpStatusCode.OK, (await CatalogServerFactory.PartnerTokenAsync(client, CatalogServerFactory.PartnerSecret)).Status);
            }
        }
        finally
        {
            instances.ForEach(i => i.Dispose());
        }
    }

    private static async Task<BackchannelRegistration?> BackchannelOfAsync(CatalogServerFactory server) =>
        BackchannelRegistration.Read((await server.StoredAsync("spa"))!.Properties);
}
