using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AuthServer.Keys;

/// <summary>
/// The key ring in use now. Fixed for key files; for automatic keys replaced by <see cref="ManagedKeyRefresher"/> when the
/// set in the database changes, which fires the change token OpenIddict's options listen to, so they are rebuilt from the new set.
/// </summary>
public sealed class KeyRingSource : IDisposable
{
    private readonly CancellationTokenSource?[] _changed = [new(), new()];
    private KeyRing? _current;

    public KeyRingSource(KeySource source) => Source = source;

    public KeySource Source { get; }

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    public KeyRing Current => Volatile.Read(ref _current)
        ?? throw new InvalidOperationException("The managed keys are not loaded yet: they are read from the database at start, after the migrations.");

    /// <summary>
    /// Stage 0 is fired first: options built from the ring alone (the server's). Stage 1 after it: options built from stage
    /// 0 options (the validation's local-server integration copies the server's keys), since an options monitor rebuilds
    /// its value inside the change callback and would otherwise copy the server's stale keys.
    /// </summary>
    public IChangeToken GetChangeToken(int stage = 0)
    {
        var sources = _changed;
        return new CancellationChangeToken(Volatile.Read(ref sources[stage])!.Token);
    }

    public void Dispose()
    {
        foreach (var changed in _changed)
        {
            changed?.Dispose();
        }
    }

    /// <summary>Swaps in <paramref name="ring"/> and tells the listeners; true when its keys differ from the previous ring's.</summary>
    public bool Publish(KeyRing ring)
    {
        var previous = Interlocked.Exchange(ref _current, ring);
        if (previous?.Fingerprint == ring.Fingerprint)
        {
            return false;
        }

        var sources = _changed;
        for (var stage = 0; stage < sources.Length; stage++)
        {
            // Not disposed: a reader may still be taking its token; the old source is garbage once nobody holds it.
            Interlocked.Exchange(ref sources[stage], new CancellationTokenSource())!.Cancel();
        }

        return true;
    }
}

/// <summary>Rebuilds options of type <typeparamref name="T"/> (OpenIddict's server and validation options) when the key ring changes.</summary>
public sealed class KeyRingChangeTokenSource<T>(KeyRingSource keys, int stage) : IOptionsChangeTokenSource<T>
{
    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => keys.GetChangeToken(stage);
}
