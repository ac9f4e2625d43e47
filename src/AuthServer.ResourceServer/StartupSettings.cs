using System.Text.RegularExpressions;
using AuthServer.Contracts;
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
public sealed partial class StartupSettings(IConfiguration configuration, string documentation = "docs/resource-servers.md")
{
    /// <summary>The exit code of a refused configuration: the server's and its tools' (AuthServer.Contracts' one table).</summary>
    public const int InvalidConfiguration = ExitCodes.InvalidConfiguration;

    private readonly List<(string Setting, string Problem)> _problems = [];
    private readonly Dictionary<string, string> _sections = new(StringComparer.Ordinal) { [nameof(AuthServerJwtOptions)] = AuthServerJwtOptions.Section };

    /// <summary>Names the section an options class is bound from, so its data-annotation failures name the setting.</summary>
    public StartupSettings Section<TOptions>(string section)
    {
        _sections[typeof(TOptions).Name] = section;
        return this;
    }

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

    /// <summary>A problem found once the host is built (what the authority answered): reported by the next <see cref="Verify"/>.</summary>
    public void Add(string setting, string problem) => _problems.Add((setting, problem));

    /// <summary>
    /// Right after <c>Build()</c>, before anything maps or reads options: validates every options class registered with
    /// ValidateOnStart and prints every problem found; false means exit with <see cref="InvalidConfiguration"/>.
    /// </summary>
    public bool Verify(WebApplication app, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException or InvalidOperationException)
        {
            _problems.AddRange(Failures(ex).Select(failure => Describe(failure)));
        }

        if (_problems.Count == 0)
        {
            return true;
        }

        Write(output ?? Console.Error);
        return false;
    }

    private void Write(TextWriter output)
    {
        var problems = _problems.Distinct().ToList();
        output.WriteLine($"Cannot start: {problems.Count} setting(s) need attention.");
        foreach (var (setting, problem) in problems)
        {
            output.WriteLine();
            output.WriteLine($"  {setting}  (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})");
            output.WriteLine($"    {problem}");
        }

        output.WriteLine();
        output.WriteLine($"Nothing was started (exit code 2). See {documentation} for every setting.");
    }

    private static IEnumerable<string> Failures(Exception ex) => ex switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Failures),
        _ => [ex.Message],
    };

    /// <summary>Validators name the setting first ("AuthServer:Authority must ..."); the binder names it inside its message.</summary>
    private (string Setting, string Problem) Describe(string failure)
    {
        if (Annotation().Match(failure) is { Success: true } annotation)
        {
            var section = _sections.GetValueOrDefault(annotation.Groups["type"].Value, annotation.Groups["type"].Value);
            return ($"{section}:{annotation.Groups["member"].Value}", annotation.Groups["error"].Value);
        }

        if (Unconvertible().Match(failure) is { Success: true } conversion)
        {
            return (conversion.Groups["setting"].Value, $"'{conversion.Groups["value"].Value}' is not a valid {conversion.Groups["type"].Value.Split('.')[^1]}.");
        }

        return LeadingSetting().Match(failure) is { Success: true } named
            ? (named.Groups["setting"].Value, named.Groups["problem"].Value)
            : ("(settings)", failure);
    }

    [GeneratedRegex(@"^DataAnnotation validation failed for '(?<type>[^']+)' members: '(?<member>[^']+)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex Annotation();

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>[^']*)' at '(?<setting>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex Unconvertible();

    [GeneratedRegex(@"^(?<setting>[A-Za-z]\w*(?::[^\s:]+)+):?\s+(?<problem>.+)$", RegexOptions.Singleline)]
    private static partial Regex LeadingSetting();
}
