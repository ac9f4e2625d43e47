using System.Text.RegularExpressions;

namespace AuthServer.Settings;

/// <summary>One invalid or missing setting, named the way an operator sets it.</summary>
public sealed partial record SettingProblem(string Setting, string Problem, string? Variable = null)
{
    /// <summary>Where the setting is explained: one heading per top-level section.</summary>
    public const string Documentation = "docs/configuration.md";

    /// <summary>The same setting as an environment variable (`Tokens:Issuer` is `Tokens__Issuer`).</summary>
    public string EnvironmentVariable => Variable ?? Setting.Replace(":", "__", StringComparison.Ordinal);

    public string DocumentationSection => $"{Documentation}#{Setting.Split(':')[0].ToLowerInvariant()}";

    /// <summary>
    /// Validators name the setting first ("Tokens:Issuer must be https" or "Catalog:Clients:spa: ..."), so the
    /// name is read back from the message; a message without one is filed under <paramref name="section"/>.
    /// </summary>
    public static SettingProblem FromFailure(string failure, string section)
    {
        var match = LeadingSetting().Match(failure);
        return match.Success
            ? new SettingProblem(match.Groups["setting"].Value, match.Groups["problem"].Value)
            : new SettingProblem(section, failure);
    }

    [GeneratedRegex(@"^(?<setting>[A-Za-z]\w*(?::[^\s:]+)+):?\s+(?<problem>.+)$", RegexOptions.Singleline)]
    private static partial Regex LeadingSetting();
}
