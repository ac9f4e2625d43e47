using System.Globalization;

namespace AuthServer.LoadTests;

/// <summary>A Markdown table, ready to paste into docs/benchmarks.md.</summary>
public static class Report
{
    public static void Print(IReadOnlyList<ScenarioResult> results, LoadSettings settings, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"connections {settings.Connections}, {settings.Duration.TotalSeconds:0} s measured after {settings.Warmup.TotalSeconds:0} s warm-up, {Environment.ProcessorCount} cores"));
        output.WriteLine();
        output.WriteLine("| scenario | ok | errors | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/req | peak RSS MB |");
        output.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var errors = r.Failures.Count == 0 ? "0" : string.Join(", ", r.Failures.Select(f => $"{f.Value}× {f.Key.Trim()}"));
            var rate = r.Succeeded / r.Elapsed.TotalSeconds;
            var cpu = r.ServerCpuMs is { } ms && r.Succeeded > 0 ? (ms / r.Succeeded).ToString("0.00", c) : "n/a";
            var rss = r.ServerPeakRssBytes is { } b ? (b / 1024.0 / 1024).ToString("0", c) : "n/a";
            output.WriteLine(string.Create(c, $"| {r.Name} | {r.Succeeded} | {errors} | {rate:0} | {P(r, 0.50):0.0} | {P(r, 0.90):0.0} | {P(r, 0.99):0.0} | {P(r, 1):0.0} | {cpu} | {rss} |"));
        }

        if (results.FirstOrDefault(r => r.Name == "password") is { Succeeded: > 0 } password
            && results.FirstOrDefault(r => r.Name == "hasher") is { Succeeded: > 0 } hasher)
        {
            var ratio = password.Succeeded / password.Elapsed.TotalSeconds / (hasher.Succeeded / hasher.Elapsed.TotalSeconds);
            output.WriteLine();
            output.WriteLine(string.Create(c, $"password grant at {ratio:P0} of the hasher's own rate (target ≥ 90 %)"));
            if (password.ServerCpuMs is { } grantCpu && hasher.ServerCpuMs is { } hashCpu)
            {
                var perGrant = grantCpu / password.Succeeded;
                var perHash = hashCpu / hasher.Succeeded;
                output.WriteLine(string.Create(c, $"server CPU per password grant {perGrant:0.0} ms, hasher CPU per hash {perHash:0.0} ms: the hash is {perHash / perGrant:P0} of the grant"));
            }
        }
    }

    private static double P(ScenarioResult r, double quantile) =>
        r.LatenciesMs.Length == 0 ? double.NaN : r.LatenciesMs[Math.Min(r.LatenciesMs.Length - 1, (int)(quantile * r.LatenciesMs.Length))];
}
