using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// Waiting for what another thread or process does (a background loop after the test clock moved, a server that starts):
/// the condition is polled every 50 ms until it holds, and the test fails with <c>failure</c> when the time is up.
/// The way tests wait for something to happen; a fixed sleep proves nothing either way. For "not yet" see
/// <see cref="Meanwhile"/>; for time itself passing on the wall clock, <see cref="WallClock"/>.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan s_defaultWithin = TimeSpan.FromSeconds(10);

    public static async Task TrueAsync(Func<Task<bool>> condition, string failure, TimeSpan? within = null)
    {
        var limit = within ?? s_defaultWithin;
        for (var watch = Stopwatch.StartNew(); ; await Task.Delay(50))
        {
            if (await condition())
            {
                return;
            }

            if (watch.Elapsed > limit)
            {
                Assert.Fail($"{failure} (after {watch.Elapsed.TotalSeconds:0.0} s)");
            }
        }
    }

    public static Task TrueAsync(Func<bool> condition, string failure, TimeSpan? within = null) =>
        TrueAsync(() => Task.FromResult(condition()), failure, within);

    /// <summary>
    /// Waiting for a background loop that runs on the test clock: each round moves <paramref name="advancing"/> by
    /// <paramref name="step"/> before the check, so the loop's timers fire; <paramref name="within"/> is real time.
    /// </summary>
    public static Task TrueAsync(Func<Task<bool>> condition, string failure, FakeTimeProvider advancing, TimeSpan step, TimeSpan? within = null) =>
        TrueAsync(
            () =>
            {
                advancing.Advance(step);
                return condition();
            },
            failure,
            within);

    public static Task TrueAsync(Func<bool> condition, string failure, FakeTimeProvider advancing, TimeSpan step, TimeSpan? within = null) =>
        TrueAsync(() => Task.FromResult(condition()), failure, advancing, step, within);
}
