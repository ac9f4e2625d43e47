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
    private DateTimeOffset _refreshed;

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
            _refreshed = clock.GetUtcNow();
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
                    // A full interval before the next try, even when a key is due: no tight loop against a failing database.
                    KeyLog.RefreshFailed(logger, ex.Message);
                    await Task.Delay(options.Value.RefreshInterval, clock, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Until one interval after the last refresh, or sooner when an announced key (an emergency rotation's) starts signing
    /// first: it signs on time. Counted from the last refresh, not from now: a loop that starts waiting late (ExecuteAsync
    /// runs on the thread pool, after the start's refresh) or after the clock jumped refreshes at once instead of a full interval on.
    /// </summary>
    private TimeSpan UntilNextRefresh()
    {
        var now = clock.GetUtcNow();
        var due = _refreshed + options.Value.RefreshInterval;
        // Stored dates are UTC whatever kind the provider reads them back as.
        if (keys.NextActivation is { } next && new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) is var activates && activates < due)
        {
            due = activates + TimeSpan.FromMilliseconds(10);
        }

        return due > now ? due - now : TimeSpan.Zero;
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
