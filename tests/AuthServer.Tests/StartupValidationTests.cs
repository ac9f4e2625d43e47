using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>Bad configuration stops the real server process at start, with a non-zero exit code and a message naming the setting.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private const string NoClients = "TEST_NO_CLIENTS";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("authserver-startup-");

    [Theory]
    [InlineData("Development", "Tokens__AccessTokenLifetime", "8.00:00:00", "Tokens:AccessTokenLifetime must be shorter than Tokens:RefreshTokenLifetime")]
    [InlineData("Development", "Tokens__RefreshTokenReuseLeeway", "01:00:00", "RefreshTokenReuseLeeway")]
    [InlineData("Development", "Catalog__Clients__spa__Scopes__6", "nonexistent", "scope 'nonexistent' is not defined")]
    [InlineData("Development", "Catalog__Clients__spa__RedirectUris__1", "http://evil.example/callback", "must use https")]
    [InlineData("Development", "Catalog__Clients__spa__BackchannelLogoutUri", "http://rp.example/logout", "must use https")]
    [InlineData("Development", "Catalog__Clients__spa__BackchannelLogoutUri", "https://rp.example/logout#top", "carry no fragment")]
    [InlineData("Development", "BackchannelLogout__MaxAttempts", "0", "MaxAttempts")]
    [InlineData("Development", "Throttling__FreeFailuresPerSource", "0", "FreeFailuresPerSource")]
    [InlineData("Development", "Limits__MaxRequestBodyBytes", "100", "MaxRequestBodyBytes")]
    [InlineData("Development", "Login__IdleTimeout", "10:00:00", "Login:IdleTimeout must not exceed Login:SessionLifetime")]
    [InlineData("Development", "SecurityHeaders__HstsMaxAge", "00:05:00", "HstsMaxAge")]
    [InlineData("Development", "Catalog__SecretOverlap", "8.00:00:00", "Catalog:SecretOverlap must be between")]
    [InlineData("Production", "Tokens__Issuer", "http://id.example.com/", "Tokens:Issuer must be set to an https:// URI outside Development", true)]
    [InlineData("Production", "Tokens__RequireHttps", "false", "Tokens:RequireHttps may be turned off only in Development", true)]
    [InlineData("Production", NoClients, "", "Catalog:Clients must define at least one client", true)]
    [InlineData("Production", "Keys__SigningKeyFiles__0", "/nonexistent/signing.pem", "Key file(s) not found: /nonexistent/signing.pem", true)]
    [InlineData("Production", "Tokens__Issuer", "https://id.example.com/", "Keys:SigningKeyFiles and Keys:EncryptionKeyFiles must name key files outside Development")]
    public async Task Invalid_setting_stops_the_server_with_a_clear_message(string environment, string key, string value, string expected, bool withKeyFiles = false)
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
        }

        if (withKeyFiles)
        {
            var (signing, encryption) = KeyFiles.Create(_folder.FullName);
            settings["Keys__SigningKeyFiles__0"] = signing;
            settings["Keys__EncryptionKeyFiles__0"] = encryption;
        }

        settings[key] = value;
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(settings, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1, $"Exit code {exitCode}:\n{output}");
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
