namespace AuthServer.Cli;

/// <summary>
/// A small parser: positional words, `--name value` options and `--flag` switches. The command set is small and
/// fixed, so a hand-written parser keeps the tool dependency-free and its errors in our own words.
/// </summary>
public sealed class Arguments
{
    private static readonly HashSet<string> s_switches = new(StringComparer.Ordinal) { "json", "help", "now" };
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private Arguments()
    {
    }

    public List<string> Words { get; } = [];

    public bool Json => _flags.Contains("json");

    public bool Now => _flags.Contains("now");

    public bool Help => _flags.Contains("help") || Words.Contains("help", StringComparer.Ordinal);

    public static Arguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h")
            {
                parsed._flags.Add("help");
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var name = arg[2..];
                var equals = name.IndexOf('=', StringComparison.Ordinal);
                if (equals >= 0)
                {
                    parsed._options[name[..equals]] = name[(equals + 1)..];
                }
                else if (s_switches.Contains(name))
                {
                    parsed._flags.Add(name);
                }
                else if (i + 1 < args.Count)
                {
                    parsed._options[name] = args[++i];
                }
                else
                {
                    throw new UsageException($"--{name} needs a value.");
                }
            }
            else
            {
                parsed.Words.Add(arg);
            }
        }

        return parsed;
    }

    public string? Option(string name) => _options.TryGetValue(name, out var value) ? value : null;

    public string Required(string name) => Option(name) is { Length: > 0 } value ? value : throw new UsageException($"--{name} is required.");

    public int? Number(string name) => Option(name) switch
    {
        null => null,
        var text when int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
        var text => throw new UsageException($"--{name} must be a whole number, not '{text}'."),
    };

    /// <summary>Options not recognised by the command are mistakes worth reporting, not ignoring.</summary>
    public void OnlyKnown(params string[] known)
    {
        var unknown = _options.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal) && k is not ("url" or "client-id" or "client-secret")).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
        }
    }
}

public sealed class UsageException(string message) : Exception(message);
