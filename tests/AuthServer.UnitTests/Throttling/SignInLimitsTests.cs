using AuthServer.Throttling;
using Microsoft.Extensions.Options;

namespace AuthServer.UnitTests.Throttling;

/// <summary>Reserved hashing slots take sign-ins whatever else runs; idle ones only while nothing but sign-ins is in flight.</summary>
public sealed class SignInLimitsTests
{
    private static SignInLimits Limits(int reserved = 1, int idle = 1, int queued = 4) => new(Options.Create(new ThrottlingOptions
    {
        ConcurrentPasswordHashes = reserved,
        IdlePasswordHashes = idle,
        QueuedPasswordHashes = queued,
    }));

    [Fact]
    public async Task With_only_sign_ins_in_flight_the_idle_slots_are_used_then_the_queue()
    {
        using var limits = Limits();
        using var serving = Serving(limits, signIns: 2, others: 0);

        var first = await limits.AcquireHashingAsync(TestContext.Current.CancellationToken);
        using var second = await limits.AcquireHashingAsync(TestContext.Current.CancellationToken);

        Assert.True(first.IsAcquired);
        Assert.True(second.IsAcquired);
        await WaitsUntilReleasedAsync(limits, first, "A third hash found a slot beyond one reserved and one idle.");
    }

    [Fact]
    public async Task Any_other_request_in_flight_keeps_the_idle_slots_closed()
    {
        using var limits = Limits();
        using var serving = Serving(limits, signIns: 2, others: 1);

        var first = await limits.AcquireHashingAsync(TestContext.Current.CancellationToken);

        Assert.True(first.IsAcquired);
        await WaitsUntilReleasedAsync(limits, first, "A second hash took an idle slot while a refresh was being served.");
    }

    [Fact]
    public async Task A_released_idle_slot_can_be_taken_again_and_none_leaks()
    {
        using var limits = Limits(reserved: 1, idle: 1, queued: 0);
        using var serving = Serving(limits, signIns: 1, others: 0);
        using var reserved = await limits.AcquireHashingAsync(TestContext.Current.CancellationToken);

        for (var i = 0; i < 3; i++)
        {
            var idle = await limits.AcquireHashingAsync(TestContext.Current.CancellationToken);
            Assert.True(idle.IsAcquired, $"round {i}: the idle slot was not free");
            using var refused = await limits.AcquireHashingAsync(TestContext.Current.CancellationToken);
            Assert.False(refused.IsAcquired, $"round {i}: a second idle slot appeared");
            Assert.True(limits.IsHashingSaturated);
            idle.Dispose();
            idle.Dispose();
            Assert.False(limits.IsHashingSaturated);
        }
    }

    /// <summary>Requests in flight as the pipeline and the user gate count them: each sign-in is also a request.</summary>
    private static Counted Serving(SignInLimits limits, int signIns, int others)
    {
        var held = new List<IDisposable>();
        for (var i = 0; i < signIns; i++)
        {
            held.Add(limits.RequestInFlight());
            held.Add(limits.SignInInFlight());
        }

        for (var i = 0; i < others; i++)
        {
            held.Add(limits.RequestInFlight());
        }

        return new Counted(held);
    }

    private sealed class Counted(List<IDisposable> held) : IDisposable
    {
        public void Dispose() => held.ForEach(count => count.Dispose());
    }

    /// <summary>The next hash waits in the queue, and gets the slot <paramref name="holder"/> gives back.</summary>
    private static async Task WaitsUntilReleasedAsync(SignInLimits limits, System.Threading.RateLimiting.RateLimitLease holder, string failure)
    {
        var next = limits.AcquireHashingAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(next.IsCompleted, failure);
        holder.Dispose();
        using var lease = await next;
        Assert.True(lease.IsAcquired);
    }

    [Fact]
    public void By_default_the_idle_slots_are_the_processors_the_reserved_ones_leave()
    {
        var options = new ThrottlingOptions();
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), options.EffectiveConcurrentPasswordHashes);
        Assert.Equal(Environment.ProcessorCount - options.EffectiveConcurrentPasswordHashes, options.EffectiveIdlePasswordHashes);
        Assert.Equal(0, new ThrottlingOptions { ConcurrentPasswordHashes = Environment.ProcessorCount + 4 }.EffectiveIdlePasswordHashes);
    }
}
