using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AuthServer.Tests.Infrastructure;

/// <summary>A process that serves HTTP for the length of a test (the built server, the sample SPA), killed on dispose.</summary>
public sealed class RunningProcess : IAsyncDisposable
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

    /// <summary>Where it listens, when the caller chose the address.</summary>
    public Uri? Address { get; }

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

    /// <summary>Starts the process and returns once <paramref name="readyUrl"/> answers 2xx; throws with its output if it exits or times out.</summary>
    public static async Task<RunningProcess> StartAsync(ProcessStartInfo start, Uri? address, Uri readyUrl, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var running = new RunningProcess(Process.Start(start)!, address);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (running._process.HasExited)
            {
                throw new InvalidOperationException($"{start.FileName} exited with {running._process.ExitCode}:\n{running.Output}");
            }

            try
            {
                using var response = await http.GetAsync(readyUrl);
                if (response.IsSuccessStatusCode)
                {
                    return running;
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

        await running.DisposeAsync();
        throw new TimeoutException($"{start.FileName} did not answer {readyUrl} in time:\n{running.Output}");
    }

    public HttpClient CreateClient() => new()
    {
        BaseAddress = Address ?? throw new InvalidOperationException("This process was started without a known address."),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A port nobody listens on right now, so parallel runs on one machine do not collide.</summary>
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
