using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AuthServer.Bff.Sessions;
using AuthServer.Bff.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace AuthServer.Bff.Tests;

/// <summary>
/// The BFF's Data Protection key ring sits in the session database beside the tickets it encrypts: protected at rest
/// (Bff:DataProtection), a copy of that database decrypts no session without the certificate or key-encryption key.
/// </summary>
public sealed class BffKeyRingTests : IDisposable
{
    private const string RefreshToken = "the-refresh-token-a-database-reader-must-not-see";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("authserver-bff-kek-");
    private readonly List<string> _variables = [];

    [Theory]
    [InlineData("KeyFile")]
    [InlineData("Environment")]
    [InlineData("Certificate")]
    public async Task A_database_copy_without_the_key_ring_protection_decrypts_no_session_and_with_it_every_session(string mode)
    {
        var right = Protection(mode, "right");
        string key;
        await using (var original = Host("original", right))
        {
            key = await original.Services.GetRequiredService<SessionTicketStore>().StoreAsync(Ticket());

            // At rest: only encrypted key-ring elements, no plaintext master key.
            var ring = KeyRing();
            Assert.NotEmpty(ring);
            Assert.All(ring, xml =>
            {
                Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
            });

            Copy("no-protection");
            Copy("wrong-protection");
            Copy("right-protection");
        }

        // Without the protection, or with another certificate or key, the copy is refused at start and says why.
        AssertCannotDecrypt("no-protection", []);
        AssertCannotDecrypt("wrong-protection", Protection(mode, "wrong"));

        await using var restored = Host("right-protection", right);
        var ticket = await restored.TicketAsync(key);
        Assert.Equal(RefreshToken, ticket?.Properties.GetTokenValue("refresh_token"));
    }

    [Theory]
    [InlineData("unprotected", "Bff:DataProtection:Protection must be Certificate, KeyFile or Environment outside Development")]
    [InlineData("missing-key-file", "Bff:DataProtection:KeyFile must name an existing file")]
    [InlineData("short-key", "Bff:DataProtection:KeyFile must hold one base64 256-bit key")]
    [InlineData("unset-variable", "Bff:DataProtection:KeyVariable names the variable")]
    [InlineData("missing-certificate", "Bff:DataProtection:CertificatePath must name an existing PKCS#12 file")]
    public void A_key_ring_left_unprotected_or_unreadable_is_refused_at_start_in_production(string change, string message)
    {
        var options = Production();
        switch (change)
        {
            case "missing-key-file":
                options.DataProtection.Protection = BffKeyRingProtection.KeyFile;
                options.DataProtection.KeyFile = Path.Combine(_folder.FullName, "absent.kek");
                break;
            case "short-key":
                options.DataProtection.Protection = BffKeyRingProtection.KeyFile;
                options.DataProtection.KeyFile = Path.Combine(_folder.FullName, "short.kek");
                File.WriteAllText(options.DataProtection.KeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
                break;
            case "unset-variable":
                options.DataProtection.Protection = BffKeyRingProtection.Environment;
                options.DataProtection.KeyVariable = "AUTHSERVER_BFF_TEST_UNSET_" + Guid.NewGuid().ToString("N");
                break;
            case "missing-certificate":
                options.DataProtection.Protection = BffKeyRingProtection.Certificate;
                options.DataProtection.CertificatePath = Path.Combine(_folder.FullName, "absent.pfx");
                break;
        }

        var result = Validate(options, Environments.Production);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, failure => failure.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("allowed-explicitly")]
    [InlineData("key-file")]
    [InlineData("memory-store")]
    public void A_protected_ring_or_an_explicit_choice_passes_in_production(string change)
    {
        var options = Production();
        switch (change)
        {
            case "allowed-explicitly":
                options.DataProtection.AllowUnprotected = true;
                break;
            case "key-file":
                options.DataProtection.Protection = BffKeyRingProtection.KeyFile;
                options.DataProtection.KeyFile = KeyFiles.CreateKek(_folder.FullName);
                break;
            case "memory-store":
                // Sessions in memory: the session database that would hold the ring does not exist.
                options.SessionStore = BffSessionStore.Memory;
                options.ConnectionString = null;
                break;
        }

        var result = Validate(options, Environments.Production);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Failures ?? []));
    }

    public void Dispose()
    {
        foreach (var variable in _variables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private static AuthServerBffOptions Production() => new()
    {
        Authority = new Uri("https://auth.example.com/"),
        ClientId = "bff",
        ClientSecret = "secret",
        ConnectionString = "Data Source=bff.db",
    };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(AuthServerBffOptions options, string environment) =>
        new AuthServerBffOptionsValidator(new HostingEnvironment { EnvironmentName = environment }).Validate(null, options);

    /// <summary>The settings of one protection mode; <paramref name="name"/> tells one certificate or key from another.</summary>
    private Dictionary<string, string?> Protection(string mode, string name)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal) { ["Bff:DataProtection:Protection"] = mode };
        switch (mode)
        {
            case "KeyFile":
                settings["Bff:DataProtection:KeyFile"] = KeyFiles.CreateKek(_folder.FullName, name);
                break;
            case "Environment":
                var variable = $"AUTHSERVER_BFF_TEST_KEK_{name.ToUpperInvariant()}_{Guid.NewGuid():N}";
                Environment.SetEnvironmentVariable(variable, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                _variables.Add(variable);
                settings["Bff:DataProtection:KeyVariable"] = variable;
                break;
            default:
                var path = Path.Combine(_folder.FullName, name + ".pfx");
                using (var rsa = RSA.Create(2048))
                {
                    var request = new CertificateRequest($"CN=bff key ring {name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                    using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                    File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
                }

                settings["Bff:DataProtection:CertificatePath"] = path;
                settings["Bff:DataProtection:CertificatePassword"] = "pfx-password";
                break;
        }

        return settings;
    }

    /// <summary>A BFF instance on its own database file in the test folder; it never calls the server.</summary>
    private BffHost Host(string database, Dictionary<string, string?> protection, System.Collections.Concurrent.ConcurrentQueue<string>? logs = null)
    {
        var settings = new Dictionary<string, string?>(protection, StringComparer.Ordinal)
        {
            ["Bff:Authority"] = $"http://localhost:{BffSystem.DeadPort}/",
            ["Bff:RequireHttpsMetadata"] = "false",
            ["Bff:ClientId"] = BffSystem.ClientId,
            ["Bff:ClientSecret"] = BffSystem.ClientSecret,
            ["Bff:SessionStore"] = "Sqlite",
            ["Bff:ConnectionString"] = $"Data Source={DatabaseFile(database)}",
        };
        var host = new BffHost(RunningProcess.FreePort(), new Uri($"http://localhost:{BffSystem.DeadPort}/"), settings);
        try
        {
            host.StartServer();
            return host;
        }
        catch (Exception)
        {
            foreach (var line in host.Logs)
            {
                logs?.Enqueue(line);
            }

            host.Dispose();
            throw;
        }
    }

    private void AssertCannotDecrypt(string database, Dictionary<string, string?> protection)
    {
        var logs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var failure = Record.Exception(() => Host(database, protection, logs).Dispose());
        Assert.NotNull(failure);
        Assert.Contains(logs, line => line.Contains(" 3015: ", StringComparison.Ordinal));
        Assert.Contains("cannot be decrypted", (failure.InnerException ?? failure).Message, StringComparison.Ordinal);

        // Nothing the copy holds decrypts elsewhere either: the session's bytes are sealed under keys only the protection opens.
        using var connection = new SqliteConnection($"Data Source={DatabaseFile(database)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Ticket FROM BffSessions";
        var ticket = (byte[])command.ExecuteScalar()!;
        Assert.DoesNotContain(RefreshToken, System.Text.Encoding.UTF8.GetString(ticket), StringComparison.Ordinal);
    }

    private string DatabaseFile(string name) => Path.Combine(_folder.FullName, name + ".db");

    private static AuthenticationTicket Ticket()
    {
        var properties = new AuthenticationProperties();
        properties.StoreTokens([new AuthenticationToken { Name = "refresh_token", Value = RefreshToken }]);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice"), new Claim("sid", "session-1")], "test"));
        return new AuthenticationTicket(principal, properties, BffSchemes.Cookie);
    }

    private List<string> KeyRing()
    {
        using var connection = new SqliteConnection($"Data Source={DatabaseFile("original")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Xml FROM DataProtectionKeys";
        using var reader = command.ExecuteReader();
        var ring = new List<string>();
        while (reader.Read())
        {
            ring.Add(reader.GetString(0));
        }

        return ring;
    }

    /// <summary>What a backup or a stolen copy holds: SQLite's online backup, consistent while the BFF runs.</summary>
    private void Copy(string name)
    {
        using var source = new SqliteConnection($"Data Source={DatabaseFile("original")};Pooling=False");
        using var copy = new SqliteConnection($"Data Source={DatabaseFile(name)};Pooling=False");
        source.Open();
        source.BackupDatabase(copy);
    }
}
