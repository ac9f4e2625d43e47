using AuthServer.Keys;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// The Development key files, generated once per test process by the server's own code and copied into each test
/// server's empty key folder. An RSA-2048 key costs about 0.2 s of CPU to generate, and the suites start hundreds of
/// servers; a folder that already holds keys (a second instance sharing the first's) is left as it is, and tests that
/// need keys of their own name key files (<see cref="KeyFiles"/>) or automatic keys.
/// </summary>
public static class DevelopmentKeyTemplate
{
    private static readonly Lazy<string> Template = new(() =>
    {
        var folder = Directory.CreateTempSubdirectory("authserver-dev-keys-").FullName;
        KeyRing.LoadDevelopmentKeys(folder);
        return folder;
    });

    public static void CopyInto(string? folder)
    {
        if (folder is null || Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            return;
        }

        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(Template.Value))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
    }
}
