using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AuthServer.ResourceServer;

/// <summary>
/// An API's settings checked all at once before it listens: the values its host needs while it is built, and every
/// options class validated at start. One block names each problem with its environment-variable spelling, and the
/// process exits with <see cref="InvalidConfiguration"/> instead of a stack trace for the first one.
/// </summary>
public sealed partial class StartupSettings(IConfiguration configuration)
{
    /// <summary>The exit code of a refused configuration, the same as the server's.</summary>
    public const int InvalidConfiguration = 2;

    private readonly List<(string Setting, string Problem)> _problems = [];

    /// <summary>A value the host needs while it is being built (a policy's scope): a missing one is noted, not thrown.</summary>
    public string Required(string key)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            _problems.Add((key, "is required."));
            return string.Empty;
        }

        return value;
    }

    /// <summary>An absolute URL the host needs while it is built (an issuer): a missing or malformed one is noted, and null returned.</summary>
    public Uri? RequiredUri(string key)
    {
        var value = Required(key);
        if (value.Length > 0 && !Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            _problems.Add((key, $"'{value}' is not an absolute URL."));
            return null;
        }

        return value.Length > 0 ? new Uri(value) : null;
    }

    /// <summary>An optional value with a default: one that does not convert is noted and the default used.</summary>
    public T Optional<T>(string key, T fallback)
    {
        try
        {
            return configuration.GetValue(key, fallback)!;
        }
        catch (InvalidOperationException)
        {
            _problems.Add((key, $"'{configuration[key]}' is not a valid {typeof(T).Name}."));
            return fallback;
        }
    }

    /// <summary>Validates every options class registered with ValidateOnStart, then serves; or prints every problem and returns 2.</summary>
    public async Task<int> RunAsync(WebApplication app, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException or InvalidOperationException)
        {
            _problems.AddRange(Failures(ex).Select(Describe));
        }

        if (_problems.Count > 0)
        {
            Write(output ?? Console.Error);
            return InvalidConfiguration;
        }

        await app.RunAsync();
        return 0;
    }

    private void Write(TextWriter output)
    {
        output.WriteLine($"Cannot start: {_problems.Count} setting(s) need attention.");
        foreach (var (setting, problem) in _problems.Distinct())
        {
            output.WriteLine();
            output.WriteLine($"  {setting}  (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})");
            output.WriteLine($"    {problem}");
        }

        output.WriteLine();
        output.WriteLine("Nothing was started (exit code 2). See docs/resource-servers.md for every setting.");
    }

    private static IEnumerable<string> Failures(Exception ex) => ex switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Failures),
        _ => [ex.Message],
    };

    /// <summary>Validators name the setting first ("AuthServer:Authority must ..."); the binder names it inside its message.</summary>
    private static (string Setting, string Problem) Describe(string failure)
    {
        if (Unconvertible().Match(failure) is { Success: true } conversion)
        {
            return (conversion.Groups["setting"].Value, $"'{conversion.Groups["value"].Value}' is not a valid {conversion.Groups["type"].Value.Split('.')[^1]}.");
        }

        return LeadingSetting().Match(failure) is { Success: true } named
            ? (named.Groups["setting"].Value, named.Groups["problem"].Value)
            : ("(settings)", failure);
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>[^']*)' at '(?<setting>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex Unconvertible();

    [GeneratedRegex(@"^(?<setting>[A-Za-z]\w*(?::[^\s:]+)+):?\s+(?<problem>.+)$", RegexOptions.Singleline)]
    private static partial Regex LeadingSetting();
}
