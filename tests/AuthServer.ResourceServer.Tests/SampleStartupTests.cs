using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AuthServer.ResourceServer.Tests;

/// <summary>Each sample API, started as an operator starts it with bad settings: every problem named at once, exit code 2, no stack trace.</summary>
public sealed class SampleStartupTests
{
    [Theory]
    [InlineData("ResourceApi.JwtBearer")]
    [InlineData("ResourceApi.OpenIddict")]
    public async Task Bad_settings_are_listed_together_with_their_variables_and_nothing_listens(string sample)
    {
        var (exitCode, output) = await RunAsync(sample, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["AuthServer__ClockSkew"] = "soon",
            ["Api__AdminRole"] = "",
            ["Api__RequiredScope"] = "",
        });

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        Assert.Contains("Cannot start: 3 setting(s) need attention.", output, StringComparison.Ordinal);
        Assert.Contains("  AuthServer:ClockSkew  (environment variable AuthServer__ClockSkew)\n    'soon' is not a valid TimeSpan.", output, StringComparison.Ordinal);
        Assert.Contains("  Api:AdminRole  (environment variable Api__AdminRole)\n    is required.", output, StringComparison.Ordinal);
        Assert.Contains("  Api:RequiredScope  (environment variable Api__RequiredScope)\n    is required.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ResourceApi.JwtBearer", "AuthServer:Authority", "must use HTTPS unless RequireHttpsMetadata is false")]
    [InlineData("ResourceApi.OpenIddict", "AuthServer:Authority", "'issuer.example' is not an absolute URL.")]
    public async Task A_wrong_authority_is_named_before_the_api_listens(string sample, string setting, string expected)
    {
        var (exitCode, output) = await RunAsync(sample, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["AuthServer__Authority"] = sample.EndsWith("JwtBearer", StringComparison.Ordinal) ? "http://issuer.example/" : "issuer.example",
        });

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        Assert.Contains($"  {setting}  (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    // A bad setting stops the start: it used to start, then answer every request 500 with an empty body.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_openiddict_sample_does_not_start_when_its_authority_does_not_answer_with_its_issuer(bool anotherServerAnswers)
    {
        var port = FreePort();
        var authority = $"http://127.0.0.1:{port}/";
        using var listener = new HttpListener();
        Task serving = Task.CompletedTask;
        if (anotherServerAnswers)
        {
            listener.Prefixes.Add(authority);
            listener.Start();
            serving = AnswerWithAnotherIssuerAsync(listener, $"http://127.0.0.1:{port}/elsewhere/");
        }

        var (exitCode, output) = await RunAsync("ResourceApi.OpenIddict", new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["AuthServer__Authority"] = authority,
            ["AuthServer__RequireHttpsMetadata"] = "false",
            ["AuthServer__RevocationFeed__Enabled"] = "false",
        });

        Assert.True(exitCode == 2, $"Exit code {exitCode}:\n{output}");
        // OpenIddict logs the failed request in its own words before; the refusal itself is short.
        var refusal = output[output.IndexOf("Cannot start", StringComparison.Ordinal)..];
        Assert.Contains("  AuthServer:Authority  (environment variable AuthServer__Authority)", refusal, StringComparison.Ordinal);
        Assert.Contains($"'{authority}'", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        if (anotherServerAnswers)
        {
            listener.Stop();
            await serving;
        }
    }

    private static async Task AnswerWithAnotherIssuerAsync(HttpListener listener, string issuer)
    {
        try
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                var body = Encoding.UTF8.GetBytes($$"""{"issuer":"{{issuer}}","jwks_uri":"{{issuer}}jwks"}""");
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped.
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string sample, Dictionary<string, string> environment)
    {
        var contentRoot = Path.Combine(RepositoryRoot(), "src", "Samples", sample);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, sample + ".dll"), "--contentRoot", contentRoot])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = contentRoot,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, await stdout + await stderr);
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "AuthServer.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("AuthServer.sln was not found above the test output folder.");
    }
}
