using System.Security.Cryptography;
using System.Text.Json;
using AuthServer.Keys;
using AuthServer.Settings;
using AuthServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests;

/// <summary>
/// The server binary as an operator meets it on a fresh machine: every bad setting named at once, `keys create`,
/// and `check` telling whether the server would start and serve, each run as its own process.
/// </summary>
public sealed class OperatorFirstHourTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("authserver-operator-");

    [Fact]
    public async Task A_fresh_production_start_names_every_problem_at_once_with_its_variable_and_doc_and_no_stack_trace()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Database__ConnectionString"] = $"Data Source={Path.Combine(_folder.FullName, "auth.db")}",
                ["Database__Provider"] = "Postgres",
                ["Tokens__AccessTokenLifetime"] = "banana",
                ["Tokens__Isuer"] = "https://id.example.com/",
                ["Throttling__FreeFailuresPerSource"] = "0",
            },
            Timeout);

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        (string Setting, string Problem)[] expected =
        [
            ("Database:Provider", "'Postgres' is not one of Sqlite, SqlServer."),
            ("Tokens:AccessTokenLifetime", "'banana' is not a duration"),
            ("Tokens:Isuer", "is not a setting (misspelled?)"),
            ("Tokens:Issuer", "must be set to an https:// URI outside Development."),
            ("DataProtection:Protection", "must be Certificate, KeyFile or Environment outside Development"),
            ("Catalog:Clients", "must define at least one client."),
            ("Throttling:FreeFailuresPerSource", "must be between"),
        ];
        Assert.Contains($"AuthServer cannot start: {expected.Length} setting(s) need attention.", output, StringComparison.Ordinal);
        foreach (var (setting, problem) in expected)
        {
            Assert.Contains($"  {setting}  (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})", output, StringComparison.Ordinal);
            Assert.Contains(problem, output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_settings_section_and_each_of_its_settings_is_explained_in_the_configuration_reference()
    {
        using var server = new AuthServerFactory();
        var doc = File.ReadAllText(Path.Combine(ServerProcess.ContentRoot, "..", "..", SettingProblem.Documentation));
        var sections = server.Services.GetServices<SettingsSection>().ToList();

        Assert.NotEmpty(sections);
        foreach (var section in sections)
        {
            var start = doc.IndexOf($"\n## {section.Name}\n", StringComparison.Ordinal);
            Assert.True(start >= 0, $"docs/configuration.md has no heading '## {section.Name}'.");
            var end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
            var text = end < 0 ? doc[start..] : doc[start..end];
            foreach (var property in section.OptionsType.GetProperties().Where(p => p.CanWrite || p.PropertyType != typeof(string) && p.PropertyType.IsAssignableTo(typeof(System.Collections.IEnumerable))))
            {
                Assert.True(text.Contains($"`{property.Name}`", StringComparison.Ordinal), $"docs/configuration.md, section {section.Name}, does not explain `{property.Name}`.");
            }
        }
    }

    [Fact]
    public async Task Keys_create_writes_owner_only_usable_keys_prints_their_settings_and_never_overwrites()
    {
        var folder = Path.Combine(_folder.FullName, "keys");

        var (exitCode, output) = await RunAsync(new Dictionary<string, string>(), "keys", "create", "--out", folder);

        Assert.True(exitCode == 0, output);
        var accessTokenKey = Path.Combine(folder, "signing-ec.pem");
        var identityTokenKey = Path.Combine(folder, "signing-rsa.pem");
        var encryptionKey = Path.Combine(folder, "encryption.key");
        Assert.Contains($"Keys__SigningKeyFiles__0={accessTokenKey}", output, StringComparison.Ordinal);
        Assert.Contains($"Keys__SigningKeyFiles__1={identityTokenKey}", output, StringComparison.Ordinal);
        Assert.Contains($"Keys__EncryptionKeyFiles__0={encryptionKey}", output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            foreach (var file in new[] { accessTokenKey, identityTokenKey, encryptionKey })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }

        var accessToken = KeyFileInspection.InspectSigningKey("s0", accessTokenKey, password: null);
        var identityToken = KeyFileInspection.InspectSigningKey("s1", identityTokenKey, password: null);
        var encryption = KeyFileInspection.InspectEncryptionKey("e0", encryptionKey);
        Assert.Equal(("EC P-256, ES256", true), (accessToken.Kind, accessToken.IsUsable && accessToken.Warnings.Count == 0));
        Assert.Equal(("RSA-2048, RS256", true), (identityToken.Kind, identityToken.IsUsable && identityToken.Warnings.Count == 0));
        Assert.Equal(("AES-256", true), (encryption.Kind, encryption.IsUsable && encryption.Warnings.Count == 0));

        var before = await File.ReadAllTextAsync(accessTokenKey, TestContext.Current.CancellationToken);
        var (again, refusal) = await RunAsync(new Dictionary<string, string>(), "keys", "create", "--out", folder);
        Assert.True(again == 1, refusal);
        Assert.Contains("already exists; keys are never overwritten", refusal, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(accessTokenKey, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(new[] { "keys", "create" }, "keys create needs --out DIR")]
    [InlineData(new[] { "chek" }, "Unknown command 'chek'.")]
    public async Task A_mistyped_command_is_a_usage_error_not_a_server_start(string[] args, string expected)
    {
        var (exitCode, output) = await RunAsync(new Dictionary<string, string>(), args);

        Assert.True(exitCode == 64, output);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains("check [--json]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_passes_a_ready_production_configuration_and_fails_a_key_others_can_read()
    {
        var settings = await ProductionSettingsAsync();

        var (exitCode, output) = await RunAsync(settings, "check");

        Assert.True(exitCode == 0, output);
        Assert.Contains("ok    settings", output, StringComparison.Ordinal);
        Assert.Contains("signed by " + settings["Keys__SigningKeyFiles__0"] + " (EC P-256, ES256): the first signing key", output, StringComparison.Ordinal);
        Assert.Contains("signed by " + settings["Keys__SigningKeyFiles__1"] + " (RSA-2048, RS256): the first RSA key", output, StringComparison.Ordinal);
        Assert.Contains("TLS ends here: https://127.0.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("ok    certificate      CN=localhost, expires", output, StringComparison.Ordinal);
        Assert.Contains("does not exist yet; created with its schema at start", output, StringComparison.Ordinal);
        Assert.Contains("The server would start and serve.", output, StringComparison.Ordinal);

        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("File modes are a Unix notion.");
            return; // Assert.Skip throws; the return lets the platform analyzer (CA1416) see the guard.
        }

        File.SetUnixFileMode(settings["Keys__SigningKeyFiles__1"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (failed, report) = await RunAsync(settings, "check", "--json");

        Assert.True(failed == 3, report);
        using var json = JsonDocument.Parse(report[report.IndexOf('{', StringComparison.Ordinal)..]);
        Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
        var keyCheck = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "key file" && c.GetProperty("setting").GetString() == "Keys:SigningKeyFiles:1");
        Assert.Equal("fail", keyCheck.GetProperty("status").GetString());
        Assert.Contains("chmod 600", keyCheck.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_fails_plain_http_without_a_trusted_proxy_and_a_schema_that_is_not_migrated_and_passes_after_migrate()
    {
        var settings = await ProductionSettingsAsync();
        settings["ASPNETCORE_URLS"] = "http://127.0.0.1:8080";
        settings["Database__MigrateOnStartup"] = "false";

        var (exitCode, output) = await RunAsync(settings, "check");

        Assert.True(exitCode == 3, output);
        Assert.Contains("FAIL  tls", output, StringComparison.Ordinal);
        Assert.Contains("no proxy is trusted to forward the scheme", output, StringComparison.Ordinal);
        Assert.Contains("does not exist; run `AuthServer migrate` first", output, StringComparison.Ordinal);

        settings["ForwardedHeaders__KnownProxies__0"] = "10.0.0.5";
        var (migrated, migration) = await RunAsync(settings, "migrate");
        Assert.True(migrated == 0, migration);
        var (passed, report) = await RunAsync(settings, "check");

        Assert.True(passed == 0, report);
        Assert.Contains("TLS ends at a trusted proxy (10.0.0.5)", report, StringComparison.Ordinal);
        Assert.Contains("ok    migrations       the schema is current", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_with_invalid_settings_lists_them_and_exits_2_without_touching_the_database()
    {
        var settings = await ProductionSettingsAsync();
        settings["Tokens__Issuer"] = "http://id.example.com/";

        var (exitCode, output) = await RunAsync(settings, "check");

        Assert.True(exitCode == 2, output);
        Assert.Contains("FAIL  settings", output, StringComparison.Ordinal);
        Assert.Contains("must be set to an https:// URI outside Development. (Tokens__Issuer; docs/configuration.md#tokens)  [Tokens:Issuer]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("database", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder.FullName, "auth.db")));
    }

    [Theory]
    [InlineData("short-rsa", "is an RSA key of 1024 bits; at least 2048 are required")]
    [InlineData("public-only", "holds only a public key")]
    [InlineData("not-a-key", "is not a PEM private key")]
    [InlineData("bad-aes", "must hold one base64 256-bit key")]
    public async Task A_key_file_the_server_cannot_use_stops_the_start_naming_the_setting(string kind, string expected)
    {
        var settings = await ProductionSettingsAsync();
        var file = Path.Combine(_folder.FullName, kind + ".pem");
        var setting = kind == "bad-aes" ? "Keys:EncryptionKeyFiles:0" : "Keys:SigningKeyFiles:1";
        using (var rsa = RSA.Create(kind == "short-rsa" ? 1024 : 2048))
        {
            await File.WriteAllTextAsync(file, kind switch
            {
                "short-rsa" => rsa.ExportPkcs8PrivateKeyPem(),
                "public-only" => rsa.ExportSubjectPublicKeyInfoPem(),
                "bad-aes" => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
                _ => "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
            }, TestContext.Current.CancellationToken);
        }

        settings[setting.Replace(":", "__", StringComparison.Ordinal)] = file;
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(settings, Timeout);

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        Assert.Contains($"  {setting}  (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Information", false)]
    [InlineData("Debug", true)]
    public async Task A_failed_start_logs_its_reason_in_one_line_and_the_stack_trace_only_at_debug(string level, bool stackTrace)
    {
        using var occupied = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((System.Net.IPEndPoint)occupied.LocalEndpoint).Port;

        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Database__ConnectionString"] = $"Data Source={Path.Combine(_folder.FullName, "auth.db")}",
                ["Keys__DevelopmentKeyFolder"] = Path.Combine(_folder.FullName, "keys"),
                ["Serilog__MinimumLevel__Default"] = level,
            },
            Timeout);

        Assert.True(exitCode == 1, $"Exit code {exitCode}:\n{output}");
        Assert.Contains($"AuthServer stopped: Failed to bind to address http://127.0.0.1:{port}: address already in use.", output, StringComparison.Ordinal);
        Assert.Equal(stackTrace, output.Contains("   at ", StringComparison.Ordinal));
    }

    /// <summary>A production configuration that would serve: keys from `keys create`, TLS here, a SQLite file not created yet.</summary>
    private async Task<Dictionary<string, string>> ProductionSettingsAsync()
    {
        var keys = Path.Combine(_folder.FullName, "keys-" + Guid.NewGuid().ToString("N")[..8]);
        var (created, output) = await RunAsync(new Dictionary<string, string>(), "keys", "create", "--out", keys);
        Assert.True(created == 0, output);

        var certificate = Path.Combine(_folder.FullName, "tls.crt");
        if (!File.Exists(certificate))
        {
            using var key = RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllTextAsync(certificate, self.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "tls.key"), key.ExportPkcs8PrivateKeyPem());
        }

        return new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"https://127.0.0.1:{RunningProcess.FreePort()}",
            ["Kestrel__Certificates__Default__Path"] = certificate,
            ["Kestrel__Certificates__Default__KeyPath"] = Path.Combine(_folder.FullName, "tls.key"),
            ["Tokens__Issuer"] = "https://id.example.com/",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(_folder.FullName, "auth.db")}",
            ["Keys__SigningKeyFiles__0"] = Path.Combine(keys, "signing-ec.pem"),
            ["Keys__SigningKeyFiles__1"] = Path.Combine(keys, "signing-rsa.pem"),
            ["Keys__EncryptionKeyFiles__0"] = Path.Combine(keys, "encryption.key"),
            ["DataProtection__Protection"] = "KeyFile",
            ["DataProtection__KeyFile"] = KeyFiles.CreateKek(_folder.FullName),
            ["Catalog__Clients__ops__ClientSecret"] = "operator-test-secret",
            ["Catalog__Clients__ops__GrantTypes__0"] = "client_credentials",
            ["Catalog__Clients__ops__Scopes__0"] = "ops",
        };
    }

    private static Task<(int ExitCode, string Output)> RunAsync(IDictionary<string, string> settings, params string[] args) =>
        ServerProcess.RunUntilExitAsync(settings, Timeout, args);

    public void Dispose() => _folder.Delete(recursive: true);
}
