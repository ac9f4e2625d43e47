using AuthServer.Contracts;
using AuthServer.Persistence;
using AuthServer.Settings;
using Serilog;

namespace AuthServer.Commands;

/// <summary>Runs the verbs around the host: those that need none, and those that end once it is built, before it serves.</summary>
public static class CommandRunner
{
    /// <summary>A verb's result (a table, JSON) alone on standard output; its host's logs go to standard error, so `--json` parses.</summary>
    private static TextWriter s_result = Console.Out;

    /// <summary>Usage errors, help and `keys create` need no configuration at all: an exit code, or null to go on.</summary>
    public static int? WithoutHost(ServerCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        switch (command)
        {
            case { Error: { } error }:
                Console.Error.WriteLine(error);
                Console.Error.WriteLine(ServerCommand.Usage);
                return ExitCodes.Usage;
            case { Verb: ServerCommand.Help }:
                Console.WriteLine(ServerCommand.Usage);
                return ExitCodes.Success;
            case { Verb: ServerCommand.KeysCreate, Folder: { } folder }:
                return KeysCommand.Create(folder, Console.Out, Console.Error);
            case { Verb: not ServerCommand.Serve }:
                s_result = Console.Out;
                Console.SetOut(Console.Error);
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// Once the host is built: every setting is checked at once, then `check` reports, a bad configuration stops here
    /// (exit 2, one block, no stack trace), and `migrate` migrates. Null means: serve.
    /// </summary>
    public static async Task<int?> BeforeServingAsync(ServerCommand command, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(command);
        var problems = SettingsCheck.Run(services);
        if (command.Verb == ServerCommand.Check)
        {
            return await CheckCommand.RunAsync(services, problems, command.Json, s_result);
        }

        if (problems.Count > 0)
        {
            SettingsReport.Write(problems, Console.Error);
            Log.Fatal("AuthServer cannot start: {Count} invalid setting(s): {Settings}", problems.Count, problems.Select(p => p.Setting));
            return ExitCodes.InvalidConfiguration;
        }

        if (command.Verb == ServerCommand.Migrate)
        {
            await DatabaseInitializer.MigrateAsync(services, CancellationToken.None);
            return ExitCodes.Success;
        }

        if (command.Verb is ServerCommand.KeysList or ServerCommand.KeysRotate or ServerCommand.KeysRevoke)
        {
            return await KeysAdminCommand.RunAsync(command, services, s_result, Console.Error);
        }

        return null;
    }
}
