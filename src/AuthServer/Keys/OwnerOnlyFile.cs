namespace AuthServer.Keys;

/// <summary>Key material written readable by its owner alone from the first byte: the mode is set by open(2), not after.</summary>
public static class OwnerOnlyFile
{
    /// <summary>Creates <paramref name="path"/>; an existing file is never overwritten (IOException).</summary>
    public static void Create(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }
}
