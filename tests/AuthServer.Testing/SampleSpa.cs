using System.Diagnostics;
using System.Globalization;

namespace AuthServer.Tests.Infrastructure;

/// <summary>The sample SPA's static server (Node.js), for the browser tests; a test skips, with the reason, where Chromium, Node.js or the SPA's packages are missing.</summary>
public static class SampleSpa
{
    public static string Folder { get; } = Path.GetFullPath(Path.Combine(ServerProcess.ContentRoot, "..", "Samples", "Spa"));

    public static void SkipUnlessRunnable()
    {
        Assert.SkipUnless(File.Exists(HeadlessChromium.Path), HeadlessChromium.MissingReason);
        Assert.SkipWhen(RunningProcess.FindOnPath("node") is null, "Node.js is not on PATH: the sample SPA's static server needs it.");
        Assert.SkipUnless(File.Exists(Path.Combine(Folder, "node_modules", "oidc-client-ts", "dist", "browser", "oidc-client-ts.min.js")),
            "The sample SPA's packages are not installed (`npm ci --prefix src/Samples/Spa`, run by .ci/install).");
    }

    /// <summary>Serves the SPA on http://localhost:<paramref name="port"/>, signing in at <paramref name="authority"/> and calling <paramref name="apiUrl"/>.</summary>
    public static Task<RunningProcess> StartAsync(int port, string authority, string apiUrl)
    {
        var start = new ProcessStartInfo(RunningProcess.FindOnPath("node")!) { WorkingDirectory = Folder };
        start.ArgumentList.Add("server.js");
        return RunningProcess.StartAsync(start, new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["HOST"] = "localhost",
            ["AUTHORITY"] = authority,
            ["API_URL"] = apiUrl,
        }, new Uri($"http://localhost:{port}/config.json"));
    }
}
