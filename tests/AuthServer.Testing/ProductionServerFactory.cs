using Microsoft.AspNetCore.Hosting;

namespace AuthServer.Tests.Infrastructure;

/// <summary>The server as production runs it: Production environment, an https issuer, key files, a protected key ring, no demo client secret.</summary>
public sealed class ProductionServerFactory : AuthServerFactory
{
    public ProductionServerFactory()
    {
        var (signing, encryption) = KeyFiles.Create(Folder, "current");
        Set("Tokens:Issuer", "https://id.example.test/")
            .Set("Keys:SigningKeyFiles:0", signing)
            .Set("Keys:EncryptionKeyFiles:0", encryption)
            .Set("DataProtection:Protection", "KeyFile")
            .Set("DataProtection:KeyFile", KeyFiles.CreateKek(Folder))
            .Set("Catalog:Clients:ops:ClientSecret", "production-test-secret")
            .Set("Catalog:Clients:ops:GrantTypes:0", "client_credentials")
            .Set("Catalog:Clients:ops:Scopes:0", "ops");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
    }
}
