namespace AuthServer.ResourceServer;

/// <summary>
/// Whether the revocation feed can vouch for the revocation list: when it last polled successfully, and whether it is
/// in an outage (so the outage is logged once, not at every poll). No clock of its own: the caller passes the time.
/// Written by the poll loop and read by request threads, so the times are UTC ticks behind Interlocked (a
/// DateTimeOffset could tear); 0 = never.
/// </summary>
internal sealed class FeedHealth(DateTimeOffset startedAt)
{
    private long _startedTicks = startedAt.UtcTicks;
    private long _lastSuccessTicks;
    private bool _failing;

    /// <summary>The poll loop starts: staleness counts from here until the first success.</summary>
    public void Started(DateTimeOffset now) => Interlocked.Exchange(ref _startedTicks, now.UtcTicks);

    /// <summary>Time since the last successful poll, or since start before the first.</summary>
    public TimeSpan Staleness(DateTimeOffset now) =>
        TimeSpan.FromTicks(now.UtcTicks - (Interlocked.Read(ref _lastSuccessTicks) is > 0 and var last ? last : Interlocked.Read(ref _startedTicks)));

    /// <summary>No successful poll within <paramref name="staleAfter"/>, or none yet.</summary>
    public bool IsStale(DateTimeOffset now, TimeSpan staleAfter) => Interlocked.Read(ref _lastSuccessTicks) == 0 || Staleness(now) > staleAfter;

    /// <summary>A poll succeeded; true when it ends an outage.</summary>
    public bool Succeeded(DateTimeOffset now)
    {
        Interlocked.Exchange(ref _lastSuccessTicks, now.UtcTicks);
        var recovered = _failing;
        _failing = false;
        return recovered;
    }

    /// <summary>A poll failed; true when it begins an outage.</summary>
    public bool Failed()
    {
        var began = !_failing;
        _failing = true;
        return began;
    }

    /// <summary>A failure in a few words for the log: the HTTP status, the transport error, or the exception's type.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: { } status } => $"HTTP {(int)status}",
        HttpRequestException http => http.HttpRequestError.ToString(),
        OperationCanceledException => "Timeout",
        _ => ex.GetType().Name,
    };
}
