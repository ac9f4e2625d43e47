using Microsoft.Extensions.Options;

namespace AuthServer.Revocation;

/// <summary>Prunes on a schedule. Every instance may run it: the deletes are idempotent and batched.</summary>
public sealed partial class PruningService(IServiceScopeFactory scopes, TimeProvider clock, IOptions<PruningOptions> options, ILogger<PruningService> logger)
    : BackgroundService
{
    private PeriodicTimer? _timer;

    /// <summary>
    /// The timer starts with the host, not when ExecuteAsync gets a thread: the first run is one interval after start
    /// whatever the clock does meanwhile (a test's clock may jump before ExecuteAsync runs; a timer started after the jump misses it).
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = options.Value.Enabled ? new PeriodicTimer(options.Value.Interval, clock) : null;
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_timer is null)
        {
            return;
        }

        while (await _timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<TokenPruner>().PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed run (database away) is retried at the next tick; it must not stop the host.
                LogPruneFailed(logger, ex.GetType().Name, ex);
            }
        }
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Pruning failed ({ExceptionType}); retrying at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, string exceptionType, Exception exception);
}
