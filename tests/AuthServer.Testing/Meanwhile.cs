namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// Proving that something has not happened yet in real time (a long poll still held, a request still waiting): there is
/// no event for "not yet", so the only way to observe it is to watch for a window and see that it did not happen.
/// Fails as soon as the task completes inside the window, not only at its end.
/// </summary>
public static class Meanwhile
{
    public static async Task StillPendingAsync(Task task, TimeSpan window, string failure)
    {
        ArgumentNullException.ThrowIfNull(task);
        await Task.WhenAny(task, Task.Delay(window));
        Assert.False(task.IsCompleted, $"{failure} (within {window.TotalSeconds:0.0} s)");
    }
}
