using AuthServer.Hosting;
using Microsoft.Extensions.Options;

namespace AuthServer.Revocation;

/// <summary>Prunes on a schedule. Every instance may run it: the deletes are idempotent and batched.</summary>
public sealed partial class PruningService(IServiceScopeFactory scopes, TimeProvider clock, IOptions<PruningOptions> options, ILogger<PruningService> logger)
    : ScheduledService(clock)
{
    protected override TimeSpan? Interval => options.Value.Enabled ? options.Value.Interval : null;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TokenPruner>().PruneAsync(cancellationToken);
    }

    protected override void RunFailed(Exception exception) => LogPruneFailed(logger, exception.GetType().Name, exception);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Pruning failed ({ExceptionType}); retrying at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, string exceptionType, Exception exception);
}
