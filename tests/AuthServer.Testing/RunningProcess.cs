using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace AuthServer.Tests.Infrastructure;

/// <summary>A process that serves HTTP for the length of a test (the built server, the sample SPA), killed on dispose.</summary>
public sealed partial class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RunningProcess(Process process, Uri? address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Where it listens: chosen by the caller, or reported by the process (<see cref="StartReportingAddressAsync"/>).</summary>
    public Uri? Address { get; private set; }

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

    /// <summary>A failed step of a test against this process, with the end of what the process said: the first thing to read.</summary>
    public Exception Explain(Exception failure) =>
        new InvalidOperationException($"{failure.Message}\n--- process output ---\n{Output[^Math.Min(Output.Length, 20000)..]}", failure);

    /// <summary>The built AuthServer, as an operator runs it.</summary>
    public static Task<RunningProcess> StartServerAsync(IDictionary<string, string> environment, Uri readyUrl) =>
        StartAsync(ServerProcess.CreateStartInfo(environment), address: null, readyUrl, TimeSpan.FromSeconds(90));

    public static Task<RunningProcess> StartAsync(ProcessStartInfo start, IDictionary<string, string> environment, Uri readyUrl)
    {
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return StartAsync(start, address: null, readyUrl, TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// Starts a process that binds a port of its own choosing (port 0) and prints "Now listening on: URL", as ASP.NET Core
    /// does; returns once <paramref name="readyPath"/> answers 2xx at that address. A port picked by the test and bound
    /// later could be taken in between by a server of another test project (they run side by side), whose answers the
    /// readiness check would then take for this process's.
    /// </summary>
    public static async Task<RunningProcess> StartReportingAddressAsync(ProcessStartInfo start, string readyPath, TimeSpan timeout)
    {
        var running = Start(start, address: null);
        var deadline = DateTime.UtcNow + timeout;
        Uri? address;
        while ((address = running.ReportedAddress()) is null)
        {
            if (running._process.HasExited || DateTime.UtcNow >= deadline)
            {
                await running.DisposeAsync();
                throw new InvalidOperationException($"{start.FileName} never said where it listens:\n{running.Output}");
            }

            await Task.Delay(50);
        }

        running.Address = address;
        return await running.WhenReadyAsync(new Uri(address, readyPath), deadline);
    }

    /// <summary>Starts the process and returns once <paramref name="readyUrl"/> answers 2xx; throws with its output if it exits or times out.</summary>
    public static Task<RunningProcess> StartAsync(ProcessStartInfo start, Uri? address, Uri readyUrl, TimeSpan timeout) =>
        Start(start, address).WhenReadyAsync(readyUrl, DateTime.UtcNow + timeout);

    private static RunningProcess Start(ProcessStartInfo start, Uri? address)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        return new RunningProcess(Process.Start(start)!, address);
    }

    private Uri? ReportedAddress() =>
        ListeningOn().Match(Output) is { Success: true } match ? new Uri(match.Groups[1].Value.TrimEnd('/') + "/") : null;

    [GeneratedRegex(@"Now listening on: (http://[^\s/]+)")]
    private static partial Regex ListeningOn();

    private async Task<RunningProcess> WhenReadyAsync(Uri readyUrl, DateTime deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(readyUrl);
                if (response.IsSuccessStatusCode)
                {
                    return this;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }

            await Task.Delay(250);
        }

        await DisposeAsync();
        throw new TimeoutException($"{_process.StartInfo.FileName} did not answer {readyUrl} in time:\n{Output}");
    }

    public HttpClient CreateClient() => new()
    {
        BaseAddress = Address ?? throw new InvalidOperationException("This process was started without a known address."),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// A port nobody listens on right now, for a host that must be told its port before it starts. Another process can take
    /// it before the host binds it: a host that can report its own port is started with <see cref="StartReportingAddressAsync"/>.
    /// </summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An executable on PATH, or null.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

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
