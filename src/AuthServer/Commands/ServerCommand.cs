namespace AuthServer.Commands;

/// <summary>
/// What the server binary was asked to do. With no verb it serves; the verbs are the operator's first-hour tools.
/// Options in `--Section:Setting value` form pass through to the host's configuration wherever they stand.
/// </summary>
public sealed record ServerCommand(string Verb, string[] HostArgs, bool Json = false, string? Folder = null, string? Error = null, string? Argument = null)
{
    public const string Serve = "serve";
    public const string Migrate = "migrate";
    public const string Check = "check";
    public const string KeysCreate = "keys create";
    public const string KeysList = "keys list";
    public const string KeysRotate = "keys rotate";
    public const string KeysRevoke = "keys revoke";
    public const string Help = "help";

    public const string Usage = """
        Usage: AuthServer [command] [--Section:Setting=value ...]
          (none)                  start the server
          migrate                 apply pending database migrations, then exit
          check [--json]          check settings, database, migrations, keys and TLS without starting; exit 0 only if the server would start and serve
          keys create --out DIR   write a new signing key pair (P-256, RSA-2048) and encryption key, owner-only, and print the settings to use
          keys list [--json]      the signing and encryption keys: kid, algorithm, use, state, dates
          keys rotate --now [--use access|identity|encryption]
                                  emergency rotation of automatic keys: a new key is active at once, the old one retired
          keys revoke KID         emergency revocation: the key is unpublished and what it signed or encrypted refused
        These run offline, on this server's settings and database; a running server is operated through its admin API
        with the authserver CLI.
        Exit codes (the CLI's too): 0 success, 1 failure, 2 invalid configuration, 3 not ready (check), 5 not found (keys revoke),
        64 usage. See docs/operations.md, "Exit codes".
        """;

    public static ServerCommand Parse(string[] args)
    {
        var words = new List<string>();
        var hostArgs = new List<string>();
        var json = false;
        string? folder = null;
        string? use = null;
        var now = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = true;
                    break;
                case "--out" when i + 1 < args.Length:
                    folder = args[++i];
                    break;
                case "--now":
                    now = true;
                    break;
                case "--use" when i + 1 < args.Length:
                    use = args[++i];
                    break;
                case "--help" or "-h":
                    words.Add(Help);
                    break;
                case var option when option.StartsWith('-'):
                    hostArgs.Add(option);
                    if (!option.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
                    {
                        hostArgs.Add(args[++i]);
                    }

                    break;
                default:
                    words.Add(args[i]);
                    break;
            }
        }

        return words switch
        {
            [] => new ServerCommand(Serve, [.. hostArgs]),
            [Migrate] => new ServerCommand(Migrate, [.. hostArgs]),
            [Check] => new ServerCommand(Check, [.. hostArgs], Json: json),
            ["keys", "create"] when folder is not null => new ServerCommand(KeysCreate, [], Folder: folder),
            ["keys", "create", ..] => new ServerCommand(KeysCreate, [], Error: "keys create needs --out DIR: the folder to write the new key files to."),
            ["keys", "list"] => new ServerCommand(KeysList, [.. hostArgs], Json: json),
            ["keys", "rotate"] when now => new ServerCommand(KeysRotate, [.. hostArgs], Json: json, Argument: use),
            ["keys", "rotate", ..] => new ServerCommand(KeysRotate, [], Error: "keys rotate needs --now: it is the emergency rotation (the schedule rotates on its own)."),
            ["keys", "revoke", var kid] => new ServerCommand(KeysRevoke, [.. hostArgs], Json: json, Argument: kid),
            ["keys", "revoke", ..] => new ServerCommand(KeysRevoke, [], Error: "keys revoke needs the kid of the key to revoke (`keys list` shows them)."),
            ["keys", ..] => new ServerCommand(KeysCreate, [], Error: "keys needs a verb: create, list, rotate or revoke."),
            [Help, ..] => new ServerCommand(Help, []),
            _ => new ServerCommand(string.Join(' ', words), [], Error: $"Unknown command '{string.Join(' ', words)}'."),
        };
    }
}
