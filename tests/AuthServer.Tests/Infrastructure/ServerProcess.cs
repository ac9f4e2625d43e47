using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AuthServer.Tests.Infrastructure;

/// <summary>Runs the built server as its own process, as an operator would, for start-up and multi-process behaviour.</summary>
public static class ServerProcess
{
    public static string ContentRoot { get; } = FindContentRoot();

    /// <summary>Starts the server, waits for it to exit (or kills it after the timeout), and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(IDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var start = CreateStartInfo(environment, args);
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
            {
                return (-1, output.ToString());
            }
        }

        await process.WaitForExitAsync();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>
    /// Starts the server on a free loopback port and returns once /health/ready answers 200 (or throws with the
    /// server's output if it exits or is not ready in time). Dispose stops it.
    /// </summary>
    public static async Task<RunningServer> StartAsync(IDictionary<string, string> environment, TimeSpan readyTimeout)
    {
        var address = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}/");
        var start = CreateStartInfo(environment, "--urls", address.ToString().TrimEnd('/'));
        var server = new RunningServer(Process.Start(start)!, address);
        try
        {
            await server.WaitUntilReadyAsync(readyTimeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
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

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>A port the OS just handed out; the tiny window before the server binds it is acceptable on loopback.</summary>
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

/// <summary>A server process started by <see cref="ServerProcess.StartAsync"/>: its address, its output so far, and a stop.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    internal RunningServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    internal async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = CreateClient();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server at {Address} exited with {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The server at {Address} was not ready within {timeout}:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
