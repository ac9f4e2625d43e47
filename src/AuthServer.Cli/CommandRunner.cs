using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AuthServer.Contracts;

namespace AuthServer.Cli;

/// <summary>What a command printed: a table or sentence for people, JSON for scripts.</summary>
internal sealed record CommandOutput(string Text, string Json)
{
    public static CommandOutput Of<T>(string text, T value, JsonTypeInfo<T> type) => new(text, JsonSerializer.Serialize(value, type));
}

/// <summary>A mistake on the command line found after parsing (a setting missing from both the arguments and the environment).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The options every command shares, and the one way a command runs: settings resolved (arguments first, then the
/// environment), the admin API called, the output printed, and every failure turned into its documented exit code.
/// </summary>
internal sealed class CommandRunner(TextWriter output, TextReader input, HttpClient? http, Func<string, string?> environment)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public Option<string> Url { get; } = new("--url")
    {
        Description = $"The server's base URL [env: {Cli.UrlVariable}]",
        Recursive = true,
    };

    public Option<string> ClientId { get; } = new("--client-id")
    {
        Description = $"The operators' client (scope ops) [env: {Cli.ClientIdVariable}]",
        Recursive = true,
    };

    public Option<string> ClientSecret { get; } = new("--client-secret")
    {
        Description = $"Its secret; prefer the variable, arguments are visible in ps [env: {Cli.ClientSecretVariable}]",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output: the admin API's answer as JSON",
        Recursive = true,
    };

    public IEnumerable<Option> Global => [Url, ClientId, ClientSecret, Json];

    /// <summary>Standard input, for `--password-stdin`: read to its end, the final line break dropped (as `docker login` does).</summary>
    public async Task<string> ReadSecretFromInputAsync(string what)
    {
        var text = (await input.ReadToEndAsync()).TrimEnd('\r', '\n');
        return text.Length > 0 ? text : throw new UsageException($"No {what} on standard input.");
    }

    public void SetAction(Command command, Func<ParseResult, AdminApi, Task<CommandOutput>> call) =>
        command.SetAction(parse => RunAsync(parse, call));

    private async Task<int> RunAsync(ParseResult parse, Func<ParseResult, AdminApi, Task<CommandOutput>> call)
    {
        var error = parse.InvocationConfiguration.Error;
        string? url = null;
        try
        {
            url = parse.GetValue(Url) ?? environment(Cli.UrlVariable) ?? http?.BaseAddress?.ToString()
                ?? throw new UsageException($"The server URL is missing: pass --url or set {Cli.UrlVariable}.");
            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var server) || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
            {
                throw new UsageException($"'{url}' is not an http(s) URL.");
            }

            // The client secret goes out with the first request: in clear text only to this machine.
            if (server.Scheme == Uri.UriSchemeHttp && !server.IsLoopback)
            {
                throw new UsageException($"'{url}' is plain http to another machine, which would send the client secret in clear text: use https (http only for localhost, 127.0.0.1 or ::1).");
            }

            var clientId = parse.GetValue(ClientId) ?? environment(Cli.ClientIdVariable)
                ?? throw new UsageException($"The client id is missing: pass --client-id or set {Cli.ClientIdVariable}.");
            var secret = parse.GetValue(ClientSecret) ?? environment(Cli.ClientSecretVariable)
                ?? throw new UsageException($"The client secret is missing: set {Cli.ClientSecretVariable} (or pass --client-secret).");

            using var owned = http is null ? new HttpClient { Timeout = s_timeout } : null;
            var result = await call(parse, new AdminApi(http ?? owned!, server, clientId, secret));
            await output.WriteAsync(parse.GetValue(Json) ? result.Json + Environment.NewLine : result.Text);
            return ExitCodes.Success;
        }
        catch (UsageException ex)
        {
            await Cli.WriteUsageErrorAsync(error, [ex.Message]);
            return ExitCodes.Usage;
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return ex.ExitCode;
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"error: cannot reach the server at {url}: {ex.Message}");
            return ExitCodes.Unavailable;
        }
        catch (TaskCanceledException)
        {
            await error.WriteLineAsync($"error: the server at {url} did not answer within {s_timeout.TotalSeconds:0} s.");
            return ExitCodes.Unavailable;
        }
        catch (JsonException ex)
        {
            await error.WriteLineAsync($"error: the server's answer is not what the admin API describes: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
