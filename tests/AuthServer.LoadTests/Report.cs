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
            var name = r.Flood is null ? r.Name : $"{r.Name}, flood {r.Flood.Workers}";
            output.WriteLine(string.Create(c, $"| {name} | {r.Succeeded} | {errors} | {rate:0} | {P(r, 0.50):0.0} | {P(r, 0.90):0.0} | {P(r, 0.99):0.0} | {P(r, 1):0.0} | {cpu} | {rss} |"));
        }

        foreach (var r in results.Where(r => r.Flood is not null))
        {
            var f = r.Flood!;
            var total = f.Answers.Values.Sum();
            var answers = string.Join(", ", f.Answers.OrderByDescending(a => a.Value).Select(a => $"{a.Value}× {a.Key}"));
            output.WriteLine();
            output.WriteLine(string.Create(c,
                $"flood beside {r.Name} ({f.Workers} workers, same window): {total} answers, {total / f.Elapsed.TotalSeconds:0.0}/s: {answers}; " +
                $"p50 {Q(f.LatenciesMs, 0.50):0} ms, p99 {Q(f.LatenciesMs, 0.99):0} ms (the server CPU column above includes the flood's work)"));
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

    /// <summary>Refusal timing: one row per path, then whether every answer had the same status and body.</summary>
    public static void PrintRefusals(RefusalResult result, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var reference = result.Paths[0];
        output.WriteLine(string.Create(c, $"refusal paths: {result.Rounds} interleaved rounds (shuffled order, one connection, sequential) after {result.WarmupRounds} warm-up rounds"));
        output.WriteLine();
        output.WriteLine($"| path | set up as | answers | median ms | p90 ms | min ms | max ms | median vs {reference.Name} |");
        output.WriteLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var p in result.Paths)
        {
            var statuses = string.Join(", ", p.Answers.GroupBy(a => a.Split(' ', 2)[0]).Select(g => $"{g.Count()}× {g.Key}"));
            var ratio = Q(p.LatenciesMs, 0.5) / Q(reference.LatenciesMs, 0.5);
            output.WriteLine(string.Create(c,
                $"| {p.Name} | {p.What} | {statuses} | {Q(p.LatenciesMs, 0.5):0.0} | {Q(p.LatenciesMs, 0.9):0.0} | {Q(p.LatenciesMs, 0):0.0} | {Q(p.LatenciesMs, 1):0.0} | {ratio:0.00}× |"));
        }

        var distinct = result.Paths.SelectMany(p => p.Answers).Distinct().ToList();
        output.WriteLine();
        output.WriteLine(distinct.Count == 1
            ? $"every answer on every path identical (status and body): {OneLine(distinct[0])}"
            : $"answers differ ({distinct.Count} distinct): " + string.Join(" | ", result.Paths.Select(p => $"{p.Name}: {string.Join(" / ", p.Answers.Distinct().Select(OneLine))}")));
    }

    private static string OneLine(string answer) => string.Join(' ', answer.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private static double P(ScenarioResult r, double quantile) => Q(r.LatenciesMs, quantile);

    private static double Q(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];
}
