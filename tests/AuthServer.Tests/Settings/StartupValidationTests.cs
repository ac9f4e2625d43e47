using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>Bad configuration stops the real server process before it listens, with exit code 2 and a block naming the setting, its variable and its doc.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private const string NoClients = "TEST_NO_CLIENTS";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("authserver-startup-");

    [Theory]
    [InlineData("Development", "Tokens__AccessTokenLifetime", "8.00:00:00", "Tokens:AccessTokenLifetime", "must be shorter than Tokens:RefreshTokenLifetime")]
    [InlineData("Development", "Tokens__RefreshTokenReuseLeeway", "01:00:00", "Tokens:RefreshTokenReuseLeeway", "must be between")]
    [InlineData("Development", "Catalog__Clients__spa__Scopes__6", "nonexistent", "Catalog:Clients:spa", "scope 'nonexistent' is not defined")]
    [InlineData("Development", "Catalog__Clients__spa__RedirectUris__1", "http://evil.example/callback", "Catalog:Clients:spa", "must use https")]
    [InlineData("Development", "Catalog__Clients__spa__BackchannelLogoutUri", "http://rp.example/logout", "Catalog:Clients:spa", "must use https")]
    [InlineData("Development", "Catalog__Clients__spa__BackchannelLogoutUri", "https://rp.example/logout#top", "Catalog:Clients:spa", "carry no fragment")]
    [InlineData("Development", "BackchannelLogout__MaxAttempts", "0", "BackchannelLogout:MaxAttempts", "must be between")]
    [InlineData("Development", "Throttling__FreeFailuresPerSource", "0", "Throttling:FreeFailuresPerSource", "must be between")]
    [InlineData("Development", "Limits__MaxRequestBodyBytes", "100", "Limits:MaxRequestBodyBytes", "must be between")]
    [InlineData("Development", "Login__IdleTimeout", "10:00:00", "Login:IdleTimeout", "must not exceed Login:SessionLifetime")]
    [InlineData("Development", "Passkeys__RelyingPartyId", "example.org", "Passkeys:RelyingPartyId", "is neither the issuer's host 'id.example.com' nor a parent domain of it")]
    [InlineData("Development", "Passkeys__RelyingPartyId", "https://id.example.com/", "Passkeys:RelyingPartyId", "must be a domain name (no scheme, port or path)")]
    [InlineData("Development", "Passkeys__Origins__0", "https://login.other.example", "Passkeys:Origins", "is not on the relying-party id 'id.example.com' or below it")]
    [InlineData("Development", "Console__Enabled", "true", "Console:Enabled", "needs Catalog:Scopes:ops:RequiredRole", false, "Catalog__Scopes__ops__RequiredRole", "")]
    [InlineData("Development", "SecurityHeaders__HstsMaxAge", "00:05:00", "SecurityHeaders:HstsMaxAge", "must be between")]
    [InlineData("Development", "Catalog__SecretOverlap", "8.00:00:00", "Catalog:SecretOverlap", "must be between")]
    [InlineData("Development", "Tokens__AccessTokenLifetime", "fifteen minutes", "Tokens:AccessTokenLifetime", "'fifteen minutes' is not a duration")]
    [InlineData("Development", "Database__Provider", "Oracle", "Database:Provider", "'Oracle' is not one of Sqlite, SqlServer")]
    [InlineData("Development", "Database__ConnectionString", "Data Source", "Database:ConnectionString", "is not a valid Sqlite connection string")]
    [InlineData("Development", "Tokens__AcessTokenLifetime", "00:10:00", "Tokens:AcessTokenLifetime", "is not a setting (misspelled?)")]
    [InlineData("Production", "Tokens__Issuer", "http://id.example.com/", "Tokens:Issuer", "must be set to an https:// URI outside Development", true)]
    [InlineData("Production", "Tokens__RequireHttps", "false", "Tokens:RequireHttps", "may be turned off only in Development", true)]
    [InlineData("Production", NoClients, "", "Catalog:Clients", "must define at least one client", true)]
    [InlineData("Production", "Keys__SigningKeyFiles__0", "/nonexistent/signing.pem", "Keys:SigningKeyFiles:0", "'/nonexistent/signing.pem' does not exist.", true)]
    [InlineData("Production", "Keys__Automatic", "false", "Keys:SigningKeyFiles", "must name at least one signing key file outside Development")]
    [InlineData("Production", "Keys__AnnouncePeriod", "120.00:00:00", "Keys:AnnouncePeriod", "must be shorter than Keys:ActivePeriod")]
    [InlineData("Production", "DataProtection__Protection", "None", "DataProtection:Protection", "must be Certificate, KeyFile or Environment outside Development")]
    [InlineData("Production", "Passkeys__Origins__0", "http://id.example.com", "Passkeys:Origins", "is plain HTTP; only a loopback origin in Development may be")]
    [InlineData("Production", "DataProtection__KeyFile", "/nonexistent/ring.kek", "DataProtection:KeyFile", "must name an existing file")]
    public async Task Invalid_setting_stops_the_server_naming_the_setting_without_a_stack_trace(
        string environment, string key, string value, string setting, string expected, bool withKeyFiles = false, string? alsoKey = null, string? alsoValue = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(_folder.FullName, "auth.db")}",
            ["Keys__DevelopmentKeyFolder"] = Path.Combine(_folder.FullName, "keys"),
            ["Tokens__Issuer"] = "https://id.example.com/",
        };
        if (environment == "Production" && key != NoClients)
        {
            settings["Catalog__Clients__ops__ClientSecret"] = "startup-test-secret";
            settings["Catalog__Clients__ops__GrantTypes__0"] = "client_credentials";
            settings["Catalog__Clients__ops__Scopes__0"] = "ops";
            settings["DataProtection__Protection"] = "KeyFile";
            settings["DataProtection__KeyFile"] = KeyFiles.CreateKek(_folder.FullName);
        }

        if (withKeyFiles)
        {
            var (signing, encryption) = KeyFiles.Create(_folder.FullName);
            settings["Keys__SigningKeyFiles__0"] = signing;
            settings["Keys__EncryptionKeyFiles__0"] = encryption;
        }

        settings[key] = value;
        if (alsoKey is not null)
        {
            settings[alsoKey] = alsoValue ?? "";
        }
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(settings, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        Assert.Contains($"  {setting}  (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains($"see docs/configuration.md#{setting.Split(':')[0].ToLowerInvariant()}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
