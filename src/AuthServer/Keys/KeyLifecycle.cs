using AuthServer.Persistence;

namespace AuthServer.Keys;

/// <summary>What a managed key is now, computed from its dates and its successors (decision 012).</summary>
public enum KeyState
{
    Announced,
    Active,
    Retired,
    Removed,
    Revoked,
}

/// <summary>One line of `keys list`: no key material.</summary>
public sealed record KeyView(string Kid, string Use, string Algorithm, int Generation, KeyState State, DateTime CreatedAt, DateTime ActivatesAt,
    DateTime? RetiredAt, DateTime? RemovesAt, DateTime? RevokedAt, string? Actor);

/// <summary>
/// The key lifecycle as a function of the rows and the time (decision 012): each key's state, which key is due next,
/// the order the ring uses them in, and what changed between two looks. No database, no clock, no key material:
/// <see cref="ManagedKeys"/> reads and writes, this decides.
/// </summary>
public sealed class KeyLifecycle(TimeSpan announcePeriod, TimeSpan accessRetention, TimeSpan encryptionRetention)
{
    /// <summary>Resource servers accept tokens this long past their expiry (RFC 7519 §4.1.4 leeway); keys outlive them by as much.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    /// <summary>How long a retired key of <paramref name="use"/> stays: the longest life of a token it protected, plus skew.</summary>
    public TimeSpan Retention(string use) => use == KeyUses.Encryption ? encryptionRetention : accessRetention;

    /// <summary>Every key of <paramref name="use"/> with its state at <paramref name="now"/>, oldest generation first.</summary>
    public List<KeyView> Views(IEnumerable<ManagedKey> all, string use, DateTime now)
    {
        var rows = all.Where(r => r.Use == use).OrderBy(r => r.Generation).ToList();
        var live = rows.Where(r => r.RevokedAt is null).ToList();
        var active = live.LastOrDefault(r => r.ActivatesAt <= now);
        var views = new List<KeyView>(rows.Count);
        foreach (var row in rows)
        {
            DateTime? retiredAt = null;
            DateTime? removesAt = null;
            KeyState state;
            if (row.RevokedAt is not null)
            {
                state = KeyState.Revoked;
            }
            else if (ReferenceEquals(row, active))
            {
                state = KeyState.Active;
            }
            else if (active is null || row.Generation > active.Generation)
            {
                state = KeyState.Announced;
            }
            else
            {
                // Retired when the first later key activated; a key superseded before it ever activated goes at once.
                retiredAt = live.Where(r => r.Generation > row.Generation && r.ActivatesAt <= now).Min(r => r.ActivatesAt);
                removesAt = row.ActivatesAt > now ? now : retiredAt + Retention(use);
                state = removesAt <= now ? KeyState.Removed : KeyState.Retired;
            }

            views.Add(new KeyView(row.Kid, row.Use, row.Algorithm, row.Generation, state, row.CreatedAt, row.ActivatesAt, retiredAt, removesAt, row.RevokedAt, row.Actor));
        }

        return views;
    }

    /// <summary>Every key of every use, newest first per use.</summary>
    public List<KeyView> All(IReadOnlyCollection<ManagedKey> rows, DateTime now) =>
        [.. KeyUses.All.SelectMany(use => Views(rows, use, now).OrderByDescending(v => v.Generation))];

    /// <summary>When the next key of <paramref name="use"/> must start signing, if one must be created now; null when none is due.</summary>
    public DateTime? Due(IReadOnlyCollection<ManagedKey> rows, string use, DateTime now)
    {
        var views = Views(rows, use, now);
        var active = views.FirstOrDefault(v => v.State == KeyState.Active);

        // A key another instance just made active reads as announced here while this clock runs behind its creator's:
        // that key is used, not raced by a rival of the next generation (which would push it out before it ever signed).
        if (active is null)
        {
            return views.Any(v => v.State == KeyState.Announced && v.ActivatesAt <= now + Skew) ? null : now;
        }

        var row = rows.First(r => r.Kid == active.Kid);
        var announced = views.Any(v => v.State == KeyState.Announced);
        return !announced && now >= row.RetiresAt - announcePeriod ? Later(row.RetiresAt, now + announcePeriod) : null;
    }

    /// <summary>The generation a new key of <paramref name="use"/> takes: one above every key ever made, revoked ones included.</summary>
    public static int NextGeneration(IEnumerable<ManagedKey> rows, string use) =>
        rows.Where(r => r.Use == use).Select(r => r.Generation).DefaultIfEmpty(0).Max() + 1;

    /// <summary>
    /// The keys the ring holds, in the order that is its meaning (KeyRing): per use the key that signs or encrypts first
    /// (the active one, or for a use with none yet the announced key due first), then announced (newest first), then
    /// retired; access keys before identity keys.
    /// </summary>
    public static List<KeyView> RingOrder(IReadOnlyCollection<KeyView> views)
    {
        var current = views.GroupBy(v => v.Use)
            .Select(use => use.FirstOrDefault(v => v.State == KeyState.Active) ?? use.Where(v => v.State == KeyState.Announced).MinBy(v => v.ActivatesAt))
            .OfType<KeyView>()
            .Select(v => v.Kid)
            .ToHashSet(StringComparer.Ordinal);
        return [.. views.Where(v => v.State is KeyState.Active or KeyState.Announced or KeyState.Retired)
            .OrderBy(v => current.Contains(v.Kid) ? 0 : v.State == KeyState.Announced ? 1 : 2)
            .ThenBy(v => v.Use == KeyUses.Access ? 0 : 1)
            .ThenByDescending(v => v.Generation)];
    }

    /// <summary>When the next announced key starts signing; null when none is announced.</summary>
    public static DateTime? NextActivation(IEnumerable<KeyView> views) =>
        views.Where(v => v.State == KeyState.Announced).Select(v => (DateTime?)v.ActivatesAt).Min();

    /// <summary>The keys whose state differs from <paramref name="before"/> (activation and retirement happen by the clock, not by a write).</summary>
    public static IEnumerable<(KeyView View, KeyState? Before)> Changes(IReadOnlyDictionary<string, KeyState> before, IEnumerable<KeyView> views) =>
        views.Select(view => (view, before.TryGetValue(view.Kid, out var state) ? state : (KeyState?)null))
            .Where(change => change.Item2 != change.view.State);

    private static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;
}
