using System.Diagnostics;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.LoadTests;

/// <summary>
/// The password grant's ceiling: Identity's own hasher (the server's settings: PBKDF2-HMAC-SHA512, 100,000
/// iterations), verifying on every core of this machine, with no server, HTTP or database involved. Run it in the
/// same invocation as the password scenario so both see the same machine.
/// </summary>
public static class HasherRun
{
    public static ScenarioResult Run(LoadSettings settings)
    {
        var hasher = new PasswordHasher<IdentityUser>();
        var user = new IdentityUser("hasher");
        var hash = hasher.HashPassword(user, settings.Password);
        var threads = Environment.ProcessorCount;
        Loop(hasher, user, hash, settings.Password, threads, TimeSpan.FromSeconds(Math.Min(2, settings.Warmup.TotalSeconds)), record: null);

        var latencies = new List<double>[threads];
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Loop(hasher, user, hash, settings.Password, threads, settings.Duration, latencies);
        clock.Stop();
        self.Refresh();
        var all = latencies.SelectMany(l => l).Order().ToArray();

        // The CPU column holds this process's own CPU per hash: the cost the server cannot go below per password grant.
        return new ScenarioResult("hasher", all.Length, new Dictionary<string, long>(), clock.Elapsed, all,
            (self.TotalProcessorTime - cpuBefore).TotalMilliseconds, ServerPeakRssBytes: null);
    }

    private static void Loop(PasswordHasher<IdentityUser> hasher, IdentityUser user, string hash, string password, int threads, TimeSpan duration, List<double>[]? record)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            var mine = new List<double>();
            while (Stopwatch.GetTimestamp() < until)
            {
                var started = Stopwatch.GetTimestamp();
                if (hasher.VerifyHashedPassword(user, hash, password) == PasswordVerificationResult.Failed)
                {
                    throw new InvalidOperationException("The hasher refused its own hash.");
                }

                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (record is not null)
            {
                record[thread] = mine;
            }
        });
    }
}
