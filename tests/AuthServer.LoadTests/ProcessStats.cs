namespace AuthServer.LoadTests;

/// <summary>CPU time and resident memory of another process on this machine, read from /proc.</summary>
public static class ProcessStats
{
    /// <summary>USER_HZ: the unit of utime/stime in /proc/PID/stat, 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100;

    public static double? CpuMilliseconds(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/stat"))
        {
            return null;
        }

        // Fields after the ")" that closes the command name: state is [0], utime [11], stime [12].
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) * 1000 / TicksPerSecond;
    }

    public static RssSampler SamplePeakRss(int? pid) => new(pid);

    public sealed class RssSampler : IDisposable
    {
        private readonly Timer? _timer;
        private long _peak;

        public RssSampler(int? pid)
        {
            if (pid is not null)
            {
                _timer = new Timer(_ => Sample(pid.Value), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
            }
        }

        public long? PeakBytes => _timer is null ? null : Interlocked.Read(ref _peak);

        public void Dispose() => _timer?.Dispose();

        private void Sample(int pid)
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb))
                {
                    var bytes = kb * 1024;
                    long current;
                    while ((current = Interlocked.Read(ref _peak)) < bytes && Interlocked.CompareExchange(ref _peak, bytes, current) != current)
                    {
                    }
                }
            }
            catch (IOException)
            {
                // The process ended; the peak so far stands.
            }
        }
    }
}
