using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace AuthServer.Keys;

/// <summary>
/// Automatic keys on this instance: loaded (and the first ones created) at start, after the migrations; then every
/// <see cref="KeyOptions.RefreshInterval"/> the next key is created when due and the ring rebuilt when the set or a state
/// changed. A database outage keeps the current ring: keys change on a schedule of days, the interval only bounds how
/// fast a revocation spreads.
/// </summary>
public sealed class ManagedKeyRefresher(
    ManagedKeys keys,
    KeyRingSource source,
    IOptionsMonitor<OpenIddictServerOptions> server,
    IOptions<KeyOptions> options,
    TimeProvider clock,
    ILogger<ManagedKeyRefresher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (source.Source != KeySource.Automatic)
        {
            return;
        }

        await RefreshNowAsync(cancellationToken);

        // Builds OpenIddict's options from the loaded keys now: a problem stops the start, not the first request.
        _ = server.CurrentValue;
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Re-reads the keys at once (after this instance rotated or revoked one, so it does not wait for the timer).</summary>
    public async Task RefreshNowAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            source.Publish(await keys.EnsureAndLoadAsync(cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(UntilNextRefresh(), clock, stoppingToken);
                try
                {
                    await RefreshNowAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    KeyLog.RefreshFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The interval, or less when an announced key (an emergency rotation's) starts signing sooner: it signs on time.</summary>
    private TimeSpan UntilNextRefresh()
    {
        var interval = options.Value.RefreshInterval;
        if (keys.NextActivation is not { } next)
        {
            return interval;
        }

        var until = next - clock.GetUtcNow().UtcDateTime;
        return until < TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : until < interval ? until : interval;
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
