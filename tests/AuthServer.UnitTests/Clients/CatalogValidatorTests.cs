using AuthServer.Clients;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace AuthServer.UnitTests.Clients;

/// <summary>The catalog rules that stop a start, checked without starting anything.</summary>
public sealed class CatalogValidatorTests
{
    [Fact]
    public void A_confidential_machine_client_with_a_defined_scope_passes()
    {
        var result = Validate(Environments.Production, MachineClient());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void A_catalog_without_clients_is_refused()
    {
        var result = Validate(Environments.Production, new CatalogOptions());

        Assert.Contains("Catalog:Clients must define at least one client.", result.Failures!);
    }

    [Fact]
    public void Client_credentials_without_a_secret_an_unknown_grant_and_an_undefined_scope_are_each_named()
    {
        var catalog = MachineClient();
        var client = catalog.Clients["ops"];
        client.ClientSecret = null;
        client.GrantTypes.Add("implicit");
        client.Scopes.Add("undefined");

        var failures = Validate(Environments.Production, catalog).Failures!.ToList();

        Assert.Contains("Catalog:Clients:ops: client_credentials needs a ClientSecret.", failures);
        Assert.Contains("Catalog:Clients:ops: grant type 'implicit' is not supported.", failures);
        Assert.Contains("Catalog:Clients:ops: scope 'undefined' is not defined under Catalog:Scopes.", failures);
    }

    [Theory]
    [InlineData("Production", "http://localhost:5173/callback", false)]
    [InlineData("Development", "http://localhost:5173/callback", true)]
    [InlineData("Development", "http://app.example/callback", false)]
    [InlineData("Production", "https://app.example/callback#fragment", false)]
    [InlineData("Production", "https://app.example/callback", true)]
    public void Redirect_uris_are_https_without_a_fragment_except_loopback_in_development(string environment, string redirectUri, bool valid)
    {
        var catalog = MachineClient();
        var spa = new ClientRegistration();
        spa.GrantTypes.Add("authorization_code");
        spa.RedirectUris.Add(new Uri(redirectUri));
        catalog.Clients["spa"] = spa;

        Assert.Equal(valid, Validate(environment, catalog).Succeeded);
    }

    [Fact]
    public void An_identity_scope_cannot_own_resources()
    {
        var catalog = MachineClient();
        catalog.Scopes["profile"] = new ScopeRegistration { Resources = { "resource-api" } };

        Assert.Contains("Catalog:Scopes:profile: 'profile' is an OpenID Connect scope and cannot own resources.", Validate(Environments.Production, catalog).Failures!);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(string environment, CatalogOptions catalog) =>
        new CatalogValidator(new Environment(environment)).Validate(null, catalog);

    private static CatalogOptions MachineClient()
    {
        var catalog = new CatalogOptions();
        var ops = new ClientRegistration { ClientSecret = "a-secret-long-enough-for-any-rule-0123456789" };
        ops.GrantTypes.Add("client_credentials");
        ops.Scopes.Add("api");
        catalog.Clients["ops"] = ops;
        catalog.Scopes["api"] = new ScopeRegistration { Resources = { "resource-api" } };
        return catalog;
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "AuthServer";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
