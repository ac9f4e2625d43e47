using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AuthServer.Keys;

/// <summary>
/// The key ring in use now. Fixed for key files; for automatic keys replaced by <see cref="ManagedKeyRefresher"/> when the
/// set in the database changes, which fires the change token OpenIddict's options listen to, so they are rebuilt from the new set.
/// </summary>
public sealed class KeyRingSource : IDisposable
{
    private KeyRing? _current;
    private CancellationTokenSource _changed = new();

    public KeyRingSource(KeySource source) => Source = source;

    public KeySource Source { get; }

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    public KeyRing Current => Volatile.Read(ref _current)
        ?? throw new InvalidOperationException("The managed keys are not loaded yet: they are read from the database at start, after the migrations.");

    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    public void Dispose() => _changed.Dispose();

    /// <summary>Swaps in <paramref name="ring"/> and tells the listeners; true when its keys differ from the previous ring's.</summary>
    public bool Publish(KeyRing ring)
    {
        var previous = Interlocked.Exchange(ref _current, ring);
        if (previous?.Fingerprint == ring.Fingerprint)
        {
            return false;
        }

        var changed = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        // Not disposed: a reader may still be taking its token; the old source is garbage once nobody holds it.
        changed.Cancel();
        return true;
    }
}

/// <summary>Rebuilds options of type <typeparamref name="T"/> (OpenIddict's server and validation options) when the key ring changes.</summary>
public sealed class KeyRingChangeTokenSource<T>(KeyRingSource keys) : IOptionsChangeTokenSource<T>
{
    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => keys.GetChangeToken();
}
