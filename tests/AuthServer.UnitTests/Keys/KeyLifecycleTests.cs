using AuthServer.Keys;
using AuthServer.Persistence;

namespace AuthServer.UnitTests.Keys;

/// <summary>The key lifecycle as a function of rows and time (decision 012), with explicit times: no database, no clock.</summary>
public sealed class KeyLifecycleTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Announce = TimeSpan.FromDays(2);
    private static readonly TimeSpan Active = TimeSpan.FromDays(30);
    private static readonly TimeSpan AccessRetention = TimeSpan.FromMinutes(25);
    private readonly KeyLifecycle _lifecycle = new(Announce, AccessRetention, encryptionRetention: TimeSpan.FromDays(7) + KeyLifecycle.Skew);

    [Fact]
    public void A_use_without_keys_needs_one_that_signs_at_once()
    {
        Assert.Equal(T0, _lifecycle.Due([], KeyUses.Access, T0));
        Assert.Equal(1, KeyLifecycle.NextGeneration([], KeyUses.Access));
    }

    [Fact]
    public void The_next_key_is_due_an_announce_period_before_the_active_one_retires_and_activates_when_it_retires()
    {
        ManagedKey[] rows = [Key("a1", 1, T0)];

        Assert.Null(_lifecycle.Due(rows, KeyUses.Access, T0 + Active - Announce - TimeSpan.FromSeconds(1)));
        Assert.Equal(T0 + Active, _lifecycle.Due(rows, KeyUses.Access, T0 + Active - Announce));

        // Late (the server was down): still announced a full period ahead, never activated unannounced.
        var late = T0 + Active + TimeSpan.FromDays(1);
        Assert.Equal(late + Announce, _lifecycle.Due(rows, KeyUses.Access, late));
    }

    [Fact]
    public void Nothing_is_due_while_a_key_is_announced()
    {
        ManagedKey[] rows = [Key("a1", 1, T0), Key("a2", 2, T0 + Active)];

        Assert.Null(_lifecycle.Due(rows, KeyUses.Access, T0 + Active - TimeSpan.FromHours(1)));
        Assert.Equal(3, KeyLifecycle.NextGeneration(rows, KeyUses.Access));
    }

    [Fact]
    public void A_key_another_instance_just_activated_is_used_by_an_instance_whose_clock_runs_behind_not_raced()
    {
        ManagedKey[] rows = [Key("a1", 1, T0 + TimeSpan.FromSeconds(2))];

        Assert.Equal(KeyState.Announced, Assert.Single(_lifecycle.Views(rows, KeyUses.Access, T0)).State);
        Assert.Null(_lifecycle.Due(rows, KeyUses.Access, T0));

        // Further ahead than any clock drift: not a first key, so this instance makes its own.
        ManagedKey[] distant = [Key("a1", 1, T0 + KeyLifecycle.Skew + TimeSpan.FromSeconds(1))];
        Assert.Equal(T0, _lifecycle.Due(distant, KeyUses.Access, T0));
    }

    [Fact]
    public void A_key_moves_from_announced_to_active_to_retired_to_removed_by_the_clock_alone()
    {
        ManagedKey[] rows = [Key("a1", 1, T0), Key("a2", 2, T0 + Active)];

        Assert.Equal([KeyState.Active, KeyState.Announced], States(rows, T0 + Active - TimeSpan.FromTicks(1)));
        Assert.Equal([KeyState.Retired, KeyState.Active], States(rows, T0 + Active));
        var retired = _lifecycle.Views(rows, KeyUses.Access, T0 + Active)[0];
        Assert.Equal(T0 + Active, retired.RetiredAt);
        Assert.Equal(T0 + Active + AccessRetention, retired.RemovesAt);
        Assert.Equal([KeyState.Retired, KeyState.Active], States(rows, T0 + Active + AccessRetention - TimeSpan.FromTicks(1)));
        Assert.Equal([KeyState.Removed, KeyState.Active], States(rows, T0 + Active + AccessRetention));
    }

    [Fact]
    public void Encryption_keys_stay_as_long_as_a_refresh_token_lives()
    {
        ManagedKey[] rows = [Key("e1", 1, T0, KeyUses.Encryption), Key("e2", 2, T0 + Active, KeyUses.Encryption)];

        Assert.Equal(T0 + Active + TimeSpan.FromDays(7) + KeyLifecycle.Skew, _lifecycle.Views(rows, KeyUses.Encryption, T0 + Active)[0].RemovesAt);
    }

    [Fact]
    public void An_announced_key_overtaken_by_an_emergency_rotation_is_removed_unused()
    {
        // a2 was announced for day 30; the operator's rotation made a3 active now: a2 never signed anything.
        ManagedKey[] rows = [Key("a1", 1, T0), Key("a2", 2, T0 + Active), Key("a3", 3, T0 + TimeSpan.FromDays(10))];

        Assert.Equal([KeyState.Retired, KeyState.Removed, KeyState.Active], States(rows, T0 + TimeSpan.FromDays(10)));
    }

    [Fact]
    public void A_revoked_key_is_revoked_whatever_its_dates_and_the_newest_live_key_signs()
    {
        var revoked = Key("a2", 2, T0 + TimeSpan.FromDays(1));
        revoked.RevokedAt = T0 + TimeSpan.FromDays(2);
        ManagedKey[] rows = [Key("a1", 1, T0), revoked, Key("a3", 3, T0 + TimeSpan.FromDays(2))];

        Assert.Equal([KeyState.Retired, KeyState.Revoked, KeyState.Active], States(rows, T0 + TimeSpan.FromDays(2)));
        Assert.Equal(4, KeyLifecycle.NextGeneration(rows, KeyUses.Access));
    }

    [Fact]
    public void The_ring_holds_the_signing_keys_first_then_announced_newest_first_then_retired_never_removed_or_revoked()
    {
        var revoked = Key("i0", 1, T0, KeyUses.Identity);
        revoked.RevokedAt = T0;
        ManagedKey[] rows =
        [
            Key("a1", 1, T0), Key("a2", 2, T0 + Active), Key("a3", 3, T0 + Active + Announce),
            revoked, Key("i1", 2, T0, KeyUses.Identity), Key("i2", 3, T0 + Active - TimeSpan.FromMinutes(1), KeyUses.Identity),
        ];
        var now = T0 + Active;
        var views = KeyUses.All.SelectMany(use => _lifecycle.Views(rows, use, now)).ToList();

        Assert.Equal(["a2", "i2", "a3", "a1", "i1"], KeyLifecycle.RingOrder(views).Select(v => v.Kid));
        Assert.Equal(T0 + Active + Announce, KeyLifecycle.NextActivation(views));
    }

    [Fact]
    public void Before_any_key_activates_the_one_due_first_signs()
    {
        ManagedKey[] rows = [Key("a1", 1, T0 + TimeSpan.FromSeconds(5)), Key("a2", 2, T0 + TimeSpan.FromSeconds(9))];
        var views = _lifecycle.Views(rows, KeyUses.Access, T0);

        Assert.Equal(["a1", "a2"], KeyLifecycle.RingOrder(views).Select(v => v.Kid));
    }

    [Fact]
    public void Changes_are_the_keys_whose_state_differs_from_the_last_look_with_what_they_were()
    {
        ManagedKey[] rows = [Key("a1", 1, T0), Key("a2", 2, T0 + Active)];
        var before = _lifecycle.Views(rows, KeyUses.Access, T0).ToDictionary(v => v.Kid, v => v.State);

        Assert.Empty(KeyLifecycle.Changes(before, _lifecycle.Views(rows, KeyUses.Access, T0 + TimeSpan.FromDays(1))));
        var changes = KeyLifecycle.Changes(before, _lifecycle.Views(rows, KeyUses.Access, T0 + Active)).ToList();
        Assert.Equal([("a1", KeyState.Retired, (KeyState?)KeyState.Active), ("a2", KeyState.Active, KeyState.Announced)],
            changes.Select(c => (c.View.Kid, c.View.State, c.Before)));
        Assert.Equal((KeyState?)null, Assert.Single(KeyLifecycle.Changes(new Dictionary<string, KeyState>(), [changes[0].View])).Before);
    }

    private KeyState[] States(ManagedKey[] rows, DateTime now) => [.. _lifecycle.Views(rows, rows[0].Use, now).Select(v => v.State)];

    private static ManagedKey Key(string kid, int generation, DateTime activatesAt, string use = KeyUses.Access) => new()
    {
        Kid = kid,
        Use = use,
        Generation = generation,
        Algorithm = KeyUses.Algorithm(use),
        CreatedAt = activatesAt - Announce,
        ActivatesAt = activatesAt,
        RetiresAt = activatesAt + Active,
    };
}
