using System.Text.Encodings.Web;
using System.Text.Json;

namespace AuthServer.Cli;

/// <summary>The operators' tool: parses the command, then speaks to the admin API; tables for people, --json for scripts.</summary>
public static class Cli
{
    public const string UrlVariable = "AUTHSERVER_URL";
    public const string ClientIdVariable = "AUTHSERVER_CLIENT_ID";
    public const string ClientSecretVariable = "AUTHSERVER_CLIENT_SECRET";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    // Relaxed escaping: the output goes to a terminal or a script, never into HTML, so '+' stays '+'.
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public const string Usage = """
        authserver: operate an AuthServer through its admin API.

        Usage: authserver <command> [options] [--json]

          revoke --user <id|name|email>        revoke every refresh token and session of a user
          revoke --client <client-id>          revoke everything issued to a client
          sessions --user <user> [--page N] [--page-size N]           refresh-token chains, each with its browser session
          browser-sessions --user <user> [--page N] [--page-size N]   sign-ins on the login page: source, last seen, status
          revoke-session <session-id>          end a browser session or chain, with everything issued in its sign-in
          rotate-secret --client <client-id> [--overlap-minutes N]
                                               new client secret (shown once); the old one works N more minutes
                                               (default and maximum: the server's Catalog:SecretOverlap; 0 ends it now)
          lock --user <user>                   lock the account (revokes its sessions)
          unlock --user <user>
          users list [--search text] [--page N] [--page-size N]
          users create --name <name> [--email <email>] --password <password>
          users reset-password --user <user> --password <password>   (revokes)
          users delete --user <user>                                  (revokes)
          prune                                delete expired and revoked token rows now
          keys list                            signing and encryption keys: kid, use, algorithm, state, dates
          keys rotate --now [--use access|identity|encryption]
                                               emergency rotation: new keys active at once, the old ones retired
          keys revoke <kid>                    emergency revocation: unpublished, what it signed or encrypted refused

        Connection: --url, --client-id, --client-secret, or the environment variables
        AUTHSERVER_URL, AUTHSERVER_CLIENT_ID, AUTHSERVER_CLIENT_SECRET (prefer the variable for the secret).
        Exit codes: 0 ok, 1 failure, 2 usage, 3 server unreachable, 4 refused (401/403), 5 not found, 6 rejected input.

        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpClient? http = null, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        environment ??= Environment.GetEnvironmentVariable;
        string? url = null;
        try
        {
            var arguments = Arguments.Parse(args);
            if (arguments.Help)
            {
                await output.WriteAsync(Usage);
                return ExitCodes.Success;
            }

            var command = Commands.Resolve(arguments);
            url = arguments.Option("url") ?? environment(UrlVariable) ?? http?.BaseAddress?.ToString()
                ?? throw new UsageException($"The server URL is missing: pass --url or set {UrlVariable}.");
            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var server) || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
            {
                throw new UsageException($"'{url}' is not an http(s) URL.");
            }

            var clientId = arguments.Option("client-id") ?? environment(ClientIdVariable)
                ?? throw new UsageException($"The client id is missing: pass --client-id or set {ClientIdVariable}.");
            var secret = arguments.Option("client-secret") ?? environment(ClientSecretVariable)
                ?? throw new UsageException($"The client secret is missing: set {ClientSecretVariable} (or pass --client-secret).");

            using var owned = http is null ? new HttpClient { Timeout = s_timeout } : null;
            var api = new AdminApi(http ?? owned!, server, clientId, secret);
            var result = await command(api);
            if (arguments.Json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(result.Json, s_indented));
            }
            else
            {
                await output.WriteAsync(result.Text);
            }

            return ExitCodes.Success;
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            await error.WriteLineAsync("Run 'authserver --help' for the commands.");
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
            return ExitCodes.Unreachable;
        }
        catch (TaskCanceledException)
        {
            await error.WriteLineAsync($"error: the server at {url} did not answer within {s_timeout.TotalSeconds:0} s.");
            return ExitCodes.Unreachable;
        }
    }
}
