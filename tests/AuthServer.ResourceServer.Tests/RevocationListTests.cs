using Microsoft.Extensions.Time.Testing;

namespace AuthServer.ResourceServer.Tests;

/// <summary>What the revocation feed's list refuses, what it keeps accepting, and how it stays bounded.</summary>
public sealed class RevocationListTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly RevocationList _list;

    public RevocationListTests() => _list = new RevocationList(_clock);

    private long Now => _clock.GetUtcNow().ToUnixTimeSeconds();

    private long Later => Now + 16 * 60;

    [Fact]
    public void A_revoked_session_refuses_tokens_carrying_it_as_sid_or_chain_and_nothing_else()
    {
        _list.RevokeSession("s-1", Later, capacity: 100);

        Assert.True(_list.IsRevoked("alice", sessionId: "s-1", authorizationId: "a-9", issuedAt: Now));
        Assert.True(_list.IsRevoked("alice", sessionId: null, authorizationId: "s-1", issuedAt: Now));
        Assert.False(_list.IsRevoked("alice", sessionId: "s-2", authorizationId: "a-9", issuedAt: Now));
        Assert.False(_list.IsRevoked("alice", sessionId: null, authorizationId: null, issuedAt: Now - 60));
    }

    [Fact]
    public void A_user_revocation_with_its_chains_listed_accepts_a_new_chain_of_the_same_second_but_not_an_unchained_token()
    {
        _list.RevokeUser("alice", Now, ["a-1", "a-2"], Later, capacity: 100);

        Assert.True(_list.IsRevoked("alice", null, "a-1", Now - 30));
        Assert.True(_list.IsRevoked("alice", "sid", "a-2", Now));
        Assert.False(_list.IsRevoked("alice", null, "a-3", Now));
        Assert.True(_list.IsRevoked("alice", null, null, Now));
        Assert.False(_list.IsRevoked("alice", null, null, Now + 1));
        Assert.False(_list.IsRevoked("bob", null, null, Now - 30));
    }

    [Fact]
    public void A_user_revocation_without_a_list_refuses_every_token_of_the_user_up_to_its_second()
    {
        _list.RevokeUser("alice", Now, listedSessions: null, Later, capacity: 100);

        Assert.True(_list.IsRevoked("alice", null, "a-new", Now));
        Assert.False(_list.IsRevoked("alice", null, "a-new", Now + 1));
        Assert.True(_list.IsRevoked("alice", null, null, issuedAt: null));
    }

    [Fact]
    public void A_client_revocation_refuses_that_clients_tokens_up_to_its_second_whoever_they_were_issued_for()
    {
        _list.RevokeClient("partner", Now, Later, capacity: 100);

        Assert.True(_list.IsRevoked("alice", "sid", "a-1", Now, clientId: "partner"));
        Assert.True(_list.IsRevoked("partner", null, null, Now - 60, clientId: "partner"));
        Assert.False(_list.IsRevoked("alice", "sid", "a-1", Now + 1, clientId: "partner"));
        Assert.False(_list.IsRevoked("alice", "sid", "a-1", Now, clientId: "spa"));
    }

    [Fact]
    public void Entries_leave_once_every_token_they_refuse_has_expired()
    {
        _list.RevokeSession("s-1", Later, capacity: 100);
        _list.RevokeUser("alice", Now, null, Later, capacity: 100);

        _clock.Advance(TimeSpan.FromMinutes(16) + TimeSpan.FromSeconds(1));

        Assert.False(_list.IsRevoked("alice", "s-1", null, Now - 17 * 60));
        Assert.Equal(2, _list.Prune());
        Assert.Equal(0, _list.Count);
    }

    [Fact]
    public void A_full_list_drops_the_entries_closest_to_expiry_first()
    {
        for (var i = 0; i < 100; i++)
        {
            _list.RevokeSession($"s-{i}", Now + 60 + i, capacity: 100);
        }

        _list.RevokeSession("newest", Later, capacity: 100);

        Assert.True(_list.Count <= 100);
        Assert.True(_list.IsRevoked(null, "newest", null, Now));
        Assert.True(_list.IsRevoked(null, "s-99", null, Now));
        Assert.False(_list.IsRevoked(null, "s-0", null, Now));
        Assert.True(_list.TakeOverflow());
        Assert.False(_list.TakeOverflow());
    }
}
