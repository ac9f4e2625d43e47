using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;

namespace AuthServer.Tests;

/// <summary>
/// docs/deployment.md's SQLite quickstart, run literally in bash (only its two folders and its port moved), from key
/// files to a token over HTTPS; then the published build is checked for what must never ship in it.
/// </summary>
public sealed class DeploymentQuickstartTests : IDisposable
{
    private const string Marker = "<!-- quickstart:sqlite -->";
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("authserver-quickstart-");

    private static string Repository => Path.GetFullPath(Path.Combine(ServerProcess.ContentRoot, "..", ".."));

    [Fact]
    public async Task The_sqlite_quickstart_gets_from_nothing_to_a_verified_token_over_https()
    {
        foreach (var tool in new[] { "bash", "openssl", "curl" })
        {
            Assert.SkipUnless(await AnswersAsync(tool), $"`{tool}` is not installed; the quickstart's commands need it.");
        }

        var port = RunningProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var serverFolder = Path.Combine(ServerProcess.ContentRoot, "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0");
        var script = QuickstartScript()
            .Replace("/var/lib/authserver", _home.FullName, StringComparison.Ordinal)
            .Replace("/opt/authserver-cli", AppContext.BaseDirectory.TrimEnd('/'), StringComparison.Ordinal)
            .Replace("/opt/authserver", serverFolder, StringComparison.Ordinal)
            .Replace("8443", port, StringComparison.Ordinal);

        var (exitCode, output) = await RunBashAsync(script);
        try
        {
            Assert.True(exitCode == 0, $"The quickstart failed (exit {exitCode}):\n{output}\n--- server log ---\n{ServerLog()}");
            Assert.Contains("The server would start and serve.", output, StringComparison.Ordinal);
            Assert.Contains("Created user alice", output, StringComparison.Ordinal);

            // What an operator then sees with a client of their own: HTTPS, the https issuer, a token that verifies.
            using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(_home.FullName, "tls.crt"), TestContext.Current.CancellationToken));
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
            };
            using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{port}/") };
            var issuer = JsonDocument.Parse(await http.GetStringAsync(Endpoints.Discovery, TestContext.Current.CancellationToken)).RootElement.GetProperty("issuer").GetString();
            Assert.Equal($"https://localhost:{port}/", issuer);

            var client = new TokenClient(http);
            var response = await client.PostAsync(new()
            {
                ["grant_type"] = "password", ["client_id"] = "app", ["username"] = "alice",
                ["password"] = "Change-Me-Quickly-2026", ["scope"] = "openid offline_access api",
            });
            Assert.Equal(HttpStatusCode.OK, response.Status);
            var token = await client.ValidateAsync(response.AccessToken!, "resource-api", DateTimeOffset.UtcNow);
            Assert.Equal(("ES256", "at+jwt"), (token.Alg, token.Typ));
            Assert.NotNull(response.RefreshToken);
        }
        finally
        {
            StopServer();
        }
    }

    [Fact]
    public async Task The_published_server_carries_no_development_settings_keys_or_data()
    {
        // What ships is decided by the project's content rules, not by compiling again: the build this test run already
        // made is published as it is (its configuration, no ReadyToRun pass), which takes seconds instead of minutes.
        var output = Path.Combine(_home.FullName, "publish");
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!); // bin/<configuration>/net10.0
        var start = new ProcessStartInfo("dotnet",
            ["publish", Path.Combine(Repository, "src", "AuthServer"), "--no-build", "-c", configuration, "-o", output, "-p:UseAppHost=false", "-p:PublishReadyToRun=false"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var log = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken) + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, log);

        var files = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f)).ToList();
        Assert.Contains("AuthServer.dll", files);
        Assert.Contains("appsettings.json", files);
        Assert.DoesNotContain(files, f => Path.GetFileName(f).StartsWith("appsettings.", StringComparison.Ordinal) && f != "appsettings.json");
        Assert.DoesNotContain(files, f => f.StartsWith("App_Data", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => Path.GetExtension(f) is ".pem" or ".key" or ".pfx" or ".p12" or ".db");
        Assert.DoesNotContain("Development", await File.ReadAllTextAsync(Path.Combine(output, "appsettings.json"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private static string QuickstartScript()
    {
        var doc = File.ReadAllText(Path.Combine(Repository, "docs", "deployment.md"));
        var start = doc.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/deployment.md lost its {Marker} block.");
        var open = doc.IndexOf("```bash\n", start, StringComparison.Ordinal) + "```bash\n".Length;
        var close = doc.IndexOf("\n```", open, StringComparison.Ordinal);
        return doc[open..close];
    }

    private static async Task<(int ExitCode, string Output)> RunBashAsync(string script)
    {
        var start = new ProcessStartInfo("bash", ["-eo", "pipefail", "-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out\n" + await stdout + await stderr);
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private string ServerLog()
    {
        var log = Path.Combine(_home.FullName, "authserver.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(none)";
    }

    /// <summary>The quickstart leaves the server running in the background, its pid in a file, as the doc says.</summary>
    private void StopServer()
    {
        var pidFile = Path.Combine(_home.FullName, "authserver.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            try
            {
                using var server = Process.GetProcessById(pid);
                server.Kill(entireProcessTree: true);
                server.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    private static async Task<bool> AnswersAsync(string tool)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(tool, ["--version"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            await process.WaitForExitAsync();
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public void Dispose()
    {
        StopServer();
        _home.Delete(recursive: true);
    }
}
