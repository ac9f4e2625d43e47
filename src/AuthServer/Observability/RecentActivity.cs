namespace AuthServer.Observability;

/// <summary>
/// This instance's sign-ins, failed sign-ins, refreshes and revocations per minute for the last hour, for the operators'
/// console charts: 60 slots per series, each reused when its minute comes round again. Per instance, like the metrics
/// it is fed beside (AuthMetrics); a scrape of those is the fleet-wide view.
/// </summary>
public sealed class RecentActivity(TimeProvider clock)
{
    public const int Minutes = 60;

    public enum Series
    {
        SignIns,
        Failures,
        Refreshes,
        Revocations,
    }

    private static readonly int s_series = Enum.GetValues<Series>().Length;
    private readonly long[,] _counts = new long[s_series, Minutes];
    private readonly long[] _minuteOfSlot = new long[Minutes];
    private readonly Lock _lock = new();

    public void Add(Series series)
    {
        var minute = clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        var slot = (int)(minute % Minutes);
        lock (_lock)
        {
            Claim(slot, minute);
            _counts[(int)series, slot]++;
        }
    }

    /// <summary>The last hour of one series, oldest minute first, the current minute last.</summary>
    public long[] LastHour(Series series)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        var values = new long[Minutes];
        lock (_lock)
        {
            for (var i = 0; i < Minutes; i++)
            {
                var minute = now - (Minutes - 1) + i;
                var slot = (int)(minute % Minutes);
                values[i] = _minuteOfSlot[slot] == minute ? _counts[(int)series, slot] : 0;
            }
        }

        return values;
    }

    private void Claim(int slot, long minute)
    {
        if (_minuteOfSlot[slot] == minute)
        {
            return;
        }

        _minuteOfSlot[slot] = minute;
        for (var series = 0; series < s_series; series++)
        {
            _counts[series, slot] = 0;
        }
    }
}
