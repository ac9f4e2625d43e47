using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace AuthServer.Throttling;

/// <summary>
/// The in-memory limits, built on the framework's rate limiters: password attempts per source, failed client
/// authentications per client and source, and password hashes at once. Per instance: N instances allow N times the rate
/// (the database-backed back-off in <see cref="SignInThrottle"/> is what holds across instances).
/// Hashing has two kinds of slot. The reserved ones (half the processors) take sign-ins whatever else runs, with a
/// short queue. The idle ones (the other processors) are taken only by a sign-in that arrives while every request in
/// flight is a sign-in: a hash runs 50 ms on a core, so a refresh or client-credentials grant never waits behind one
/// it did not have to, and a server with nothing else to do hashes on every core.
/// </summary>
public sealed class SignInLimits : IDisposable
{
    private static readonly TimeSpan s_minute = TimeSpan.FromMinutes(1);
    private readonly PartitionedRateLimiter<string> _signInsBySource;
    private readonly PartitionedRateLimiter<string> _clientFailures;
    private readonly ConcurrencyLimiter _hashing;
    private readonly TimeSpan _clientRefill;
    private readonly int _queueLimit;
    private readonly int _idleSlots;
    private int _idleInUse;
    private int _requestsInFlight;
    private int _signInsInFlight;

    public SignInLimits(IOptions<ThrottlingOptions> options)
    {
        var settings = options.Value;
        _clientRefill = s_minute / settings.FailedClientAuthenticationsPerMinute;
        _queueLimit = settings.QueuedPasswordHashes;
        _idleSlots = settings.EffectiveIdlePasswordHashes;
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
    public bool IsHashingSaturated =>
        _hashing.GetStatistics() is { CurrentAvailablePermits: 0 } stats && stats.CurrentQueuedCount >= _queueLimit && !IsIdleSlotFree;

    /// <summary>A reserved slot if one is free, else an idle slot if nothing but sign-ins is being served, else a place in the reserved queue.</summary>
    public ValueTask<RateLimitLease> AcquireHashingAsync(CancellationToken cancellationToken)
    {
        var reserved = _hashing.AttemptAcquire(1);
        if (reserved.IsAcquired)
        {
            return ValueTask.FromResult(reserved);
        }

        reserved.Dispose();
        return TryTakeIdleSlot() ? ValueTask.FromResult<RateLimitLease>(new IdleSlot(this)) : _hashing.AcquireAsync(1, cancellationToken);
    }

    /// <summary>Counts a request for as long as it is served (every request, from the start of the pipeline).</summary>
    public InFlight RequestInFlight() => new(this, signIn: false);

    /// <summary>Counts a password sign-in for as long as it is checked.</summary>
    public InFlight SignInInFlight() => new(this, signIn: true);

    private bool IsIdleSlotFree => Volatile.Read(ref _idleInUse) < _idleSlots && Volatile.Read(ref _requestsInFlight) <= Volatile.Read(ref _signInsInFlight);

    private bool TryTakeIdleSlot()
    {
        while (IsIdleSlotFree)
        {
            var used = Volatile.Read(ref _idleInUse);
            if (Interlocked.CompareExchange(ref _idleInUse, used + 1, used) == used)
            {
                return true;
            }
        }

        return false;
    }

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

    /// <summary>Holds one idle hashing slot until disposed.</summary>
    private sealed class IdleSlot(SignInLimits limits) : RateLimitLease
    {
        private int _released;

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref limits._idleInUse);
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>One count held: incremented when made, decremented when disposed.</summary>
    public readonly struct InFlight : IDisposable
    {
        private readonly SignInLimits _limits;
        private readonly bool _signIn;

        internal InFlight(SignInLimits limits, bool signIn)
        {
            (_limits, _signIn) = (limits, signIn);
            Interlocked.Increment(ref signIn ? ref limits._signInsInFlight : ref limits._requestsInFlight);
        }

        public void Dispose() => Interlocked.Decrement(ref _signIn ? ref _limits._signInsInFlight : ref _limits._requestsInFlight);
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
