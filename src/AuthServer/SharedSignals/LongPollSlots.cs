namespace AuthServer.SharedSignals;

/// <summary>
/// The polls each client holds open on this instance. A held poll costs this process a connection and a query every
/// check interval, so the bound is per process and kept in memory; nothing another instance needs is in it.
/// </summary>
internal sealed class LongPollSlots
{
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Takes one of the client's slots, or false when it already holds <paramref name="max"/> polls open.</summary>
    public bool TryTake(string clientId, int max)
    {
        lock (_lock)
        {
            var held = _held.GetValueOrDefault(clientId);
            if (held >= max)
            {
                return false;
            }

            _held[clientId] = held + 1;
            return true;
        }
    }

    public void Return(string clientId)
    {
        lock (_lock)
        {
            if (_held.GetValueOrDefault(clientId) <= 1)
            {
                _held.Remove(clientId);
            }
            else
            {
                _held[clientId]--;
            }
        }
    }
}
