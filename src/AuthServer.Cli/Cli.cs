using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using AuthServer.Contracts;

namespace AuthServer.Cli;

/// <summary>The operators' tool: a System.CommandLine tree over the admin API; tables for people, --json for scripts.</summary>
public static class Cli
{
    public const string UrlVariable = "AUTHSERVER_URL";
    public const string ClientIdVariable = "AUTHSERVER_CLIENT_ID";
    public const string ClientSecretVariable = "AUTHSERVER_CLIENT_SECRET";

    private const string Epilog = $"""
        Connection: --url, --client-id, --client-secret, or {UrlVariable}, {ClientIdVariable}, {ClientSecretVariable}
        (prefer the variable for the secret; arguments are visible in ps). Passwords: --password-stdin.
        Exit codes (the server binary's too): 0 ok, 1 failure, 3 server unreachable, 4 refused (401/403), 5 not found,
        6 rejected input, 64 usage. See docs/operations.md, "Exit codes".
        """;

    public static async Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, HttpClient? http = null, Func<string, string?>? environment = null, TextReader? input = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var parse = CreateCommand(output, input ?? Console.In, http, environment ?? Environment.GetEnvironmentVariable).Parse(args);

        // Our own report and exit code for a parse error (the library's default is 1 and the whole help page).
        if (parse.Action is ParseErrorAction)
        {
            await WriteUsageErrorAsync(error, parse.Errors.Select(e => e.Message));
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The command tree, parsed without running anything: what the unit tests look at.</summary>
    public static ParseResult Parse(params string[] args) => CreateCommand(TextWriter.Null, TextReader.Null, null, _ => null).Parse(args);

    internal static async Task WriteUsageErrorAsync(TextWriter error, IEnumerable<string> messages)
    {
        foreach (var message in messages)
        {
            await error.WriteLineAsync($"error: {message}");
        }

        await error.WriteLineAsync("Run 'authserver --help' for the commands.");
    }

    private static RootCommand CreateCommand(TextWriter output, TextReader input, HttpClient? http, Func<string, string?> environment)
    {
        var run = new CommandRunner(output, input, http, environment);
        var root = new RootCommand("authserver: operate an AuthServer through its admin API.");
        foreach (var option in run.Global)
        {
            root.Add(option);
        }

        foreach (var command in RevocationCommands.Create(run).Concat(ClientCommands.Create(run)).Concat(UserCommands.Create(run)).Append(KeyCommands.Create(run)).Append(LogoutNoticeCommands.Create(run)))
        {
            root.Add(command);
        }

        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithEpilog((SynchronousCommandLineAction)help.Action!);
        return root;
    }

    /// <summary>The generated help, then how to connect and what the exit codes mean (on the root's help only).</summary>
    private sealed class HelpWithEpilog(SynchronousCommandLineAction help) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var code = help.Invoke(parseResult);
            if (parseResult.CommandResult.Command is RootCommand)
            {
                parseResult.InvocationConfiguration.Output.WriteLine(Epilog);
            }

            return code;
        }
    }
}
