namespace AuthServer.Settings;

/// <summary>The one block an operator reads when the server refuses its configuration: every setting, no stack trace.</summary>
public static class SettingsReport
{
    public static void Write(IReadOnlyList<SettingProblem> problems, TextWriter output)
    {
        output.WriteLine($"AuthServer cannot start: {problems.Count} setting(s) need attention.");
        foreach (var problem in problems)
        {
            output.WriteLine();
            output.WriteLine($"  {problem.Setting}  (environment variable {problem.EnvironmentVariable})");
            output.WriteLine($"    {problem.Problem}");
            output.WriteLine($"    see {problem.DocumentationSection}");
        }

        output.WriteLine();
        output.WriteLine("Nothing was started (exit code 2). `AuthServer check` reports the same, and the database, keys and TLS, without starting.");
    }
}
