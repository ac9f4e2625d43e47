namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// Letting real time pass where the behaviour under test is itself measured on the wall clock (a one-second
/// resolution, a window a background loop needs to act in) and no observable effect marks the moment:
/// the one explicit wait, with its reason, instead of a bare sleep. Prefer <see cref="Eventually"/> whenever an effect can be watched.
/// </summary>
public static class WallClock
{
    public static Task PassAsync(TimeSpan time, string why)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(why);
        return Task.Delay(time);
    }
}
