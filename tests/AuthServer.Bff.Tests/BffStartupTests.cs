using System.Diagnostics;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Bff.Tests;

/// <summary>The sample BFF started with bad settings: every problem named at once with its variable, exit code 2, no stack trace.</summary>
public sealed class BffStartupTests
{
    [Fact]
    public async Task Bad_settings_are_listed_together_and_nothing_listens()
    {
        var contentRoot = Path.GetFullPath(Path.Combine(ServerProcess.ContentRoot, "..", "Samples", "Bff"));
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Bff.dll"), "--contentRoot", contentRoot])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = contentRoot,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Bff__Authority"] = "http://id.example.com/";
        start.Environment["Bff__ClientId"] = "";
        start.Environment["Bff__CookieName"] = "bff";

        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(start, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        Assert.Contains("Cannot start: 5 setting(s) need attention.", output, StringComparison.Ordinal);
        foreach (var setting in new[] { "Bff:Authority", "Bff:ClientId", "Bff:ClientSecret", "Bff:CookieName", "Bff:DataProtection:Protection" })
        {
            Assert.Contains($"  {setting}  (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})", output, StringComparison.Ordinal);
        }

        Assert.Contains("must start with __Host-", output, StringComparison.Ordinal);

        // The key ring would sit unencrypted beside the tickets it protects.
        Assert.Contains("must be Certificate, KeyFile or Environment outside Development", output, StringComparison.Ordinal);
        Assert.Contains("See docs/spa.md", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
