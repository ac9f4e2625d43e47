namespace AuthServer.Tests.Infrastructure;

/// <summary>The server plus a client whose tokens reach the admin audience without the operator scope (the 403 case).</summary>
public sealed class AdminServerFactory : AuthServerFactory
{
    public const string Auditor = "auditor";
    public const string AuditorSecret = "auditor-test-secret";

    public AdminServerFactory()
    {
        Set("Catalog:Scopes:audit:Resources:0", "authserver-admin");
        Set($"Catalog:Clients:{Auditor}:ClientSecret", AuditorSecret);
        Set($"Catalog:Clients:{Auditor}:GrantTypes:0", "client_credentials");
        Set($"Catalog:Clients:{Auditor}:Scopes:0", "audit");
    }
}
