using System.Diagnostics;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// Waiting for what another thread or process does (a background loop after the test clock moved, a server that starts):
/// the condition is polled every 50 ms until it holds, and the test fails with <c>failure</c> when the time is up.
/// The only way tests wait; a fixed sleep proves nothing either way.
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
}
