using System.Diagnostics;
using System.Text;

namespace AuthServer.Tests.Infrastructure;

/// <summary>Runs the built server as its own process, as an operator would, for start-up and multi-process behaviour.</summary>
public static class ServerProcess
{
    public static string ContentRoot { get; } = FindContentRoot();

    /// <summary>Starts the server, waits for it to exit (or kills it after the timeout), and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunUntilExitAsync(IDictionary<string, string> environment, TimeSpan timeout, params string[] args) =>
        RunUntilExitAsync(CreateStartInfo(environment, args), timeout);

    /// <summary>Any process (a sample host, a tool): waits for its exit, or kills it after the timeout, and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        var (exitCode, output, _) = await RunSeparatingOutputAsync(start, timeout);
        return (exitCode, output);
    }

    /// <summary>A verb as a script runs it: the exit code, everything printed (both streams, in order), and standard output alone.</summary>
    public static Task<(int ExitCode, string Output, string StandardOutput)> RunVerbAsync(IDictionary<string, string> environment, TimeSpan timeout, params string[] args) =>
        RunSeparatingOutputAsync(CreateStartInfo(environment, args), timeout);

    private static async Task<(int ExitCode, string Output, string StandardOutput)> RunSeparatingOutputAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var standardOutput = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); standardOutput.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cancel = new CancellationTokenSource(timeout);
        var exitCode = -1;
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            await process.WaitForExitAsync();
            exitCode = process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        lock (output)
        {
            return (exitCode, output.ToString(), standardOutput.ToString());
        }
    }

    /// <summary>
    /// Starts the server on a loopback port it picks itself and returns once /health/ready answers 200 there (or throws
    /// with the server's output if it exits or is not ready in time). Dispose stops it.
    /// </summary>
    public static Task<RunningProcess> StartAsync(IDictionary<string, string> environment, TimeSpan readyTimeout)
    {
        var start = CreateStartInfo(environment, "--urls", "http://127.0.0.1:0");
        // The line that says where it listens, whatever level the test asks of the rest.
        start.Environment.TryAdd("Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime", "Information");
        return RunningProcess.StartReportingAddressAsync(start, "/health/ready", readyTimeout);
    }

    internal static ProcessStartInfo CreateStartInfo(IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ContentRoot,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(ContentRoot);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A server run by a test lives for seconds: profile-guided tiering only adds JIT work there (a test may override).
        start.Environment["DOTNET_TieredPGO"] = "0";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static string FindContentRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "src", "AuthServer");
            if (File.Exists(Path.Combine(candidate, "AuthServer.csproj")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("src/AuthServer was not found above the test output folder.");
    }
}
