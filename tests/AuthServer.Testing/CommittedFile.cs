namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// A document generated from the code and kept in the repository (the pipeline table, the hot-path SQL, the admin API's
/// OpenAPI, the log events), so that a change to it shows in review. Compiled into the unit tier too (linked, not referenced).
/// </summary>
public static class CommittedFile
{
    /// <summary>Rewrites <paramref name="path"/> when <paramref name="variable"/> is 1, then fails unless it holds <paramref name="generated"/>.</summary>
    public static void AssertMatches(string path, string generated, string variable, string testClass, Func<string, string>? normalize = null)
    {
        if (Environment.GetEnvironmentVariable(variable) == "1")
        {
            File.WriteAllText(path, generated);
        }

        var committed = File.Exists(path) ? (normalize ?? (text => text.ReplaceLineEndings("\n")))(File.ReadAllText(path)) : "(missing)";
        Assert.True(generated == committed,
            $"{Path.GetFileName(path)} is not what the code makes now; review the difference, then regenerate it with " +
            $"`{variable}=1 dotnet test --filter-class *{testClass}`. Now:\n{generated}");
    }
}
