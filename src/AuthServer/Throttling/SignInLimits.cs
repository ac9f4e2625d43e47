using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace AuthServer.Throttling;

/// <summary>
/// The in-memory limits, built on the framework's rate limiters: password attempts per source, failed client
/// authentications per client and source, and password hashes at once. Per instance: N instances allow N times the rate
/// (the database-backed back-off in <see cref="SignInThrottle"/> is what holds across instances).
/// </summary>
public sealed class SignInLimits : IDisposable
{
    private static readonly TimeSpan s_minute = TimeSpan.FromMinutes(1);
    private readonly PartitionedRateLimiter<string> _signInsBySource;
    private readonly PartitionedRateLimiter<string> _clientFailures;
    private readonly ConcurrencyLimiter _hashing;
    private readonly TimeSpan _clientRefill;
    private readonly int _queueLimit;

    public SignInLimits(IOptions<ThrottlingOptions> options)
    {
        var settings = options.Value;
        _clientRefill = s_minute / settings.FailedClientAuthenticationsPerMinute;
        _queueLimit = settings.QueuedPasswordHashes;
        _signInsBySource = PartitionedRateLimiter.Create<string, string>(source =>
            RateLimitPartition.GetTokenBucketLimiter(source, _ => PerMinute(settings.SignInsPerSourcePerMinute)));
        _clientFailures = PartitionedRateLimiter.Create<string, string>(client =>
            RateLimitPartition.GetTokenBucketLimiter(client, _ => PerMinute(settings.FailedClientAuthenticationsPerMinute)));
        _hashing = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.EffectiveConcurrentPasswordHashes,
            QueueLimit = settings.QueuedPasswordHashes,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>One password attempt from <paramref name="source"/>; a failed lease carries how long to wait.</summary>
    public RateLimitLease AttemptSignIn(string source) => _signInsBySource.AttemptAcquire(source);

    /// <summary>Every slot taken and the queue full: a sign-in now would be refused anyway.</summary>
    public bool IsHashingSaturated => _hashing.GetStatistics() is { CurrentAvailablePermits: 0 } stats && stats.CurrentQueuedCount >= _queueLimit;

    public ValueTask<RateLimitLease> AcquireHashingAsync(CancellationToken cancellationToken) => _hashing.AcquireAsync(1, cancellationToken);

    /// <summary>Whether a client (at one source) has failed authentication too often; checked before its credentials are.</summary>
    public bool IsClientBlocked(string partition, out TimeSpan retryAfter)
    {
        // Looked at, not taken: only a failure uses a permit up.
        retryAfter = _clientRefill;
        return _clientFailures.GetStatistics(partition)?.CurrentAvailablePermits <= 0;
    }

    public void ClientFailed(string partition) => _clientFailures.AttemptAcquire(partition).Dispose();

    /// <summary>The limiter's own estimate, or a second when it has none.</summary>
    public static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1);

    public void Dispose()
    {
        _signInsBySource.Dispose();
        _clientFailures.Dispose();
        _hashing.Dispose();
    }

    /// <summary>A bucket of a minute's worth, refilled one token at a time: bursts are allowed, the rate is not exceeded.</summary>
    private static TokenBucketRateLimiterOptions PerMinute(int permits) => new()
    {
        TokenLimit = permits,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = s_minute / permits,
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
