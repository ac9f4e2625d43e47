namespace AuthServer.Hosting;

/// <summary>
/// Work that runs every interval on the injected clock, on every instance (the pruner, the logout sender). The timer
/// starts with the host, not when ExecuteAsync gets a thread (.NET 10 runs it on the thread pool, later): the first run
/// is one interval after start whatever the clock does meanwhile, where a timer started after a test's clock jump would
/// miss it. A failed run is reported and retried at the next tick; it never stops the host.
/// </summary>
public abstract class ScheduledService(TimeProvider clock) : BackgroundService
{
    private PeriodicTimer? _timer;

    protected TimeProvider Clock => clock;

    /// <summary>How often the work runs; null when this instance has none to do (disabled, or nothing could be queued).</summary>
    protected abstract TimeSpan? Interval { get; }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>One run failed (the database away, say); the next tick tries again.</summary>
    protected abstract void RunFailed(Exception exception);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = Interval is { } interval ? new PeriodicTimer(interval, clock) : null;
        return base.StartAsync(cancellationToken);
    }

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_timer is null)
        {
            return;
        }

        while (await _timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                RunFailed(ex);
            }
        }
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }
}
