using System.Security.Cryptography;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Tests;

/// <summary>Outside Development the server signs with the operator's key files, publishes them in order, and demands HTTPS.</summary>
public sealed class ProductionKeysTests : IDisposable
{
    private readonly ProductionFactory _server = new();
    private readonly string _current;
    private readonly string _next;

    public ProductionKeysTests()
    {
        (_current, var encryption) = KeyFiles.Create(_server.Folder, "current");
        (_next, _) = KeyFiles.Create(_server.Folder, "next");
        _server.Set("Tokens:Issuer", "https://id.example.test/")
            .Set("Keys:SigningKeyFiles:0", _current)
            .Set("Keys:SigningKeyFiles:1", _next)
            .Set("Keys:EncryptionKeyFiles:0", encryption)
            .Set("DataProtection:Protection", "KeyFile")
            .Set("DataProtection:KeyFile", KeyFiles.CreateKek(_server.Folder))
            .Set("Catalog:Clients:ops:ClientSecret", "production-test-secret")
            .Set("Catalog:Clients:ops:GrantTypes:0", "client_credentials")
            .Set("Catalog:Clients:ops:Scopes:0", "ops");
    }

    [Fact]
    public async Task Tokens_are_signed_with_the_first_configured_key_and_both_keys_are_published()
    {
        var client = new TokenClient(_server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://id.example.test") }));

        var response = (await client.ClientCredentialsAsync("production-test-secret")).ShouldSucceed();
        var token = await client.ValidateAsync(response.AccessToken!, "authserver-admin", DateTimeOffset.UtcNow);

        using var jwks = JsonDocument.Parse(await client.Http.GetStringAsync("/.well-known/jwks", TestContext.Current.CancellationToken));
        var published = jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();
        Assert.Equal(new[] { Thumbprint(_current), Thumbprint(_next) }.Order(), published.Order());
        Assert.Equal(Thumbprint(_current), token.Kid);
        Assert.Equal("https://id.example.test/", token.Issuer);
    }

    [Fact]
    public async Task Plain_http_is_refused_outside_development()
    {
        var client = new TokenClient(_server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://id.example.test") }));

        var response = await client.ClientCredentialsAsync("production-test-secret");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_request", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task Demo_users_are_not_seeded_outside_development()
    {
        var client = new TokenClient(_server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://id.example.test") }));
        await client.Http.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        var alice = await _server.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.UserName == "alice")));

        Assert.False(alice);
    }

    public void Dispose() => _server.Dispose();

    private static string Thumbprint(string pemFile)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(pemFile));
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        return Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
    }

    private sealed class ProductionFactory : AuthServerFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }
}
