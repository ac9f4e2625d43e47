using System.Diagnostics;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Users;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Serilog.Events;

namespace AuthServer.Tests;

/// <summary>
/// Demo users and demo secrets stay in Development: outside it, seeding needs an explicit force, a demo value in any
/// secret setting stops the server (naming the setting, never the value), and the development settings are not published.
/// </summary>
public sealed class DemoDataTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("authserver-demo-");

    [Theory]
    [InlineData("Catalog__Clients__ops__ClientSecret", TokenClient.OpsSecret, "Catalog:Clients:ops:ClientSecret")]
    [InlineData("DemoData__Users__0__Password", TestUsers.AlicePassword, "DemoData:Users:0:Password")]
    [InlineData("Keys__CertificatePassword", "pfx-demo-password", "Keys:CertificatePassword")]
    [InlineData("Database__ConnectionString", "Data Source=/nonexistent-authserver/auth.db;Password=Demo-Db-Pass1", "Database:ConnectionString")]
    public async Task A_demo_secret_outside_development_stops_the_server_naming_the_setting_not_the_value(string key, string value, string setting)
    {
        var (exitCode, output) = await RunProductionAsync((key, value));

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        Assert.Contains($"  {setting}  (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})\n    holds a demo value", output, StringComparison.Ordinal);
        Assert.DoesNotContain(value.Split('=')[^1], output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seeding_outside_development_without_the_force_stops_the_server()
    {
        var (exitCode, output) = await RunProductionAsync(("DemoData__Seed", "true"));

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        Assert.Contains("  DemoData:Seed  (environment variable DemoData__Seed)\n    is on outside Development", output, StringComparison.Ordinal);
        Assert.Contains("DemoData:AllowOutsideDevelopment", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forced_seeding_outside_development_seeds_and_warns_at_every_start()
    {
        var database = Path.Combine(_folder.FullName, "forced.db");
        var (signing, encryption) = KeyFiles.Create(_folder.FullName);
        var kek = KeyFiles.CreateKek(_folder.FullName, "staging");
        foreach (var start in new[] { "first", "second" })
        {
            using var server = new StagingFactory();
            server.Set("Database:ConnectionString", $"Data Source={database}")
                .Set("Tokens:Issuer", "https://id.example.test/")
                .Set("Keys:SigningKeyFiles:0", signing)
                .Set("Keys:EncryptionKeyFiles:0", encryption)
                .Set("DataProtection:Protection", "KeyFile")
                .Set("DataProtection:KeyFile", kek)
                .Set("Catalog:Clients:ops:ClientSecret", "staging-test-secret")
                .Set("Catalog:Clients:ops:GrantTypes:0", "client_credentials")
                .Set("Catalog:Clients:ops:Scopes:0", "ops")
                .Set("DemoData:Seed", "true")
                .Set("DemoData:AllowOutsideDevelopment", "true")
                .Set("DemoData:Users:0:UserName", "carol")
                .Set("DemoData:Users:0:Email", "carol@example.test")
                .Set("DemoData:Users:0:Password", "Staging-Pass-1234!");

            using var http = server.CreateClient();
            await http.GetAsync(new Uri("/health/live", UriKind.Relative), TestContext.Current.CancellationToken);

            Assert.True(await server.WithDbAsync(db => Task.FromResult(db.Users.Any(u => u.UserName == "carol"))), $"{start} start: carol was not seeded.");
            Assert.Contains(server.LogEvents, e => e.Level == LogEventLevel.Warning && LogEventIds.Of(e) == 1202);
        }
    }

    [Fact]
    public void Every_secret_in_the_development_settings_is_recognised_as_a_demo_value()
    {
        var development = new ConfigurationBuilder().AddJsonFile(Path.Combine(ServerProcess.ContentRoot, "appsettings.Development.json")).Build();

        var secrets = DemoDataValidator.SecretSettings(development).ToList();

        Assert.Contains(secrets, s => s.Key == "Catalog:Clients:ops:ClientSecret");
        Assert.Contains(secrets, s => s.Key == "DemoData:Users:0:Password");
        Assert.All(secrets, s => Assert.True(DemoDataValidator.IsDemoValue(s.Value), $"{s.Key}: a development secret must contain \"{DemoDataValidator.DemoMarker}\", or production would not recognise it."));

        // The other way round: a value marked as demo sits under a setting the check reads.
        var marked = development.AsEnumerable().Where(s => s.Value is not null && DemoDataValidator.IsDemoValue(s.Value)).Select(s => s.Key);
        Assert.All(marked, key => Assert.Contains(key, secrets.Select(s => s.Key)));
    }

    [Fact]
    public void The_shipped_production_settings_hold_no_demo_value()
    {
        var production = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(ServerProcess.ContentRoot, "appsettings.json"))
            .AddJsonFile(Path.Combine(ServerProcess.ContentRoot, "..", "..", "deploy", "config", "authserver.Production.json"))
            .Build();

        Assert.DoesNotContain(DemoDataValidator.SecretSettings(production), s => DemoDataValidator.IsDemoValue(s.Value));
    }

    [Fact]
    public async Task Development_settings_are_never_copied_to_publish_output()
    {
        // MSBuild's evaluated item metadata: what publish obeys, whichever way the project sets it. Evaluation only, no build.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "msbuild", Path.Combine(ServerProcess.ContentRoot, "AuthServer.csproj"), "-getItem:Content", "-nologo" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));

        var content = JsonDocument.Parse(output).RootElement.GetProperty("Items").GetProperty("Content").EnumerateArray().ToList();
        string? Publish(string file) => content.Single(i => i.GetProperty("Identity").GetString() == file).TryGetProperty("CopyToPublishDirectory", out var p) ? p.GetString() : null;
        Assert.Equal("Never", Publish("appsettings.Development.json"));
        Assert.NotEqual("Never", Publish("appsettings.json"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    /// <summary>A Production server that would start, but for the given settings.</summary>
    private async Task<(int ExitCode, string Output)> RunProductionAsync(params (string Key, string Value)[] overrides)
    {
        var (signing, encryption) = KeyFiles.Create(_folder.FullName);
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(_folder.FullName, "auth.db")}",
            ["Tokens__Issuer"] = "https://id.example.com/",
            ["Keys__SigningKeyFiles__0"] = signing,
            ["Keys__EncryptionKeyFiles__0"] = encryption,
            ["DataProtection__Protection"] = "KeyFile",
            ["DataProtection__KeyFile"] = KeyFiles.CreateKek(_folder.FullName),
            ["Catalog__Clients__ops__ClientSecret"] = "startup-test-secret",
            ["Catalog__Clients__ops__GrantTypes__0"] = "client_credentials",
            ["Catalog__Clients__ops__Scopes__0"] = "ops",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return await ServerProcess.RunUntilExitAsync(settings, TimeSpan.FromSeconds(60));
    }

    /// <summary>A non-Development stage (a shared test stage is where forcing demo data makes sense).</summary>
    private sealed class StagingFactory : AuthServerFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Staging");
        }
    }
}
