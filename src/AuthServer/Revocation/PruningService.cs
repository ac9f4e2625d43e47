using Microsoft.Extensions.Options;

namespace AuthServer.Revocation;

/// <summary>Prunes on a schedule. Every instance may run it: the deletes are idempotent and batched.</summary>
public sealed partial class PruningService(IServiceScopeFactory scopes, TimeProvider clock, IOptions<PruningOptions> options, ILogger<PruningService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
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

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Pruning failed ({ExceptionType}); retrying at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, string exceptionType, Exception exception);
}
