using System.Text.Json;
using AuthServer.Contracts.SharedSignals;
using AuthServer.ResourceServer;

namespace AuthServer.UnitTests.ResourceServer;

/// <summary>What a verified SET from the revocation feed asks of an API, read from its claims alone.</summary>
public sealed class FeedEventTests
{
    private const string Issuer = "https://id.example/";
    private static readonly DateTimeOffset s_now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_session_of_a_user_is_revoked_until_the_retention_the_server_names()
    {
        var read = Read("""
            {"sub_id":{"format":"complex","user":{"format":"iss_sub","iss":"ISSUER","sub":"alice"},"session":{"format":"opaque","id":"s-1"}},
             "events":{"SESSION_REVOKED":{"event_timestamp":1000,"authserver_retain_until":4000}}}
            """);

        Assert.Equal(new FeedEvent.SessionRevoked("s-1", 4000), read);
    }

    [Fact]
    public void Every_session_of_a_user_is_revoked_with_the_sessions_listed_and_fractional_times_floored()
    {
        var read = Assert.IsType<FeedEvent.UserRevoked>(Read("""
            {"sub_id":{"format":"iss_sub","iss":"ISSUER","sub":"alice"},
             "events":{"SESSION_REVOKED":{"event_timestamp":1000.9,"authserver_session_ids":["a",7,"b"]}}}
            """));

        Assert.Equal(("alice", 1000L, 1000L + 3600), (read.Subject, read.At, read.RetainUntil));
        Assert.Equal(["a", "b"], read.SessionIds);
    }

    [Fact]
    public void Without_an_event_time_the_revocation_counts_from_now_and_lists_no_sessions()
    {
        var read = Assert.IsType<FeedEvent.UserRevoked>(Read("""
            {"sub_id":{"format":"complex","user":{"format":"iss_sub","iss":"ISSUER","sub":"bob"}},
             "events":{"SESSION_REVOKED":{}}}
            """));

        Assert.Equal(s_now.ToUnixTimeSeconds(), read.At);
        Assert.Equal(s_now.ToUnixTimeSeconds() + 3600, read.RetainUntil);
        Assert.Null(read.SessionIds);
    }

    [Fact]
    public void Every_session_of_a_client_is_revoked_when_the_subject_names_an_application_and_no_user()
    {
        var read = Read("""
            {"sub_id":{"format":"complex","application":{"format":"opaque","id":"spa"}},
             "events":{"SESSION_REVOKED":{"event_timestamp":50,"authserver_retain_until":60}}}
            """);

        Assert.Equal(new FeedEvent.ClientRevoked("spa", 50, 60), read);
    }

    [Theory]
    [InlineData("revoked", "KeyRevoked")]
    [InlineData("announced", "KeyExpected")]
    [InlineData("activated", "KeyExpected")]
    [InlineData("rotated", "Ignored")]
    public void A_key_change_names_what_to_do_with_the_key(string change, string expected)
    {
        var read = Read("""{"events":{"KEY_CHANGE":{"kid":"k1","change":"WHAT"}}}""".Replace("WHAT", change, StringComparison.Ordinal));

        Assert.Equal(expected, read.GetType().Name);
        if (read is FeedEvent.KeyRevoked or FeedEvent.KeyExpected)
        {
            Assert.Contains("k1", read.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_key_change_wins_over_a_session_revocation_in_the_same_set()
    {
        var read = Read("""
            {"sub_id":{"format":"iss_sub","iss":"ISSUER","sub":"alice"},
             "events":{"SESSION_REVOKED":{},"KEY_CHANGE":{"change":"revoked"}}}
            """);

        Assert.Equal(new FeedEvent.Ignored("key change without a kid"), read);
    }

    [Theory]
    [InlineData("""{"sub_id":{"format":"iss_sub","iss":"https://id.example/","sub":"alice"}}""", "no events")]
    [InlineData("""{"events":["SESSION_REVOKED"]}""", "no events")]
    [InlineData("""{"events":"KEY_CHANGE"}""", "no events")]
    [InlineData("""{"events":{"https://schemas.openid.net/secevent/caep/event-type/credential-change":{}}}""", "no session-revoked event")]
    [InlineData("""{"events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{}}}""", "no subject")]
    [InlineData("""{"sub_id":{"format":"iss_sub","iss":"https://other.example/","sub":"alice"},"events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{}}}""", "no user of this issuer")]
    [InlineData("""{"sub_id":{"format":"email","email":"a@example.com"},"events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{}}}""", "no user of this issuer")]
    [InlineData("""{"sub_id":{"format":"complex","application":{"format":"opaque"}},"events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{}}}""", "no user of this issuer")]
    public void Anything_else_is_ignored_with_a_reason(string claims, string reason) =>
        Assert.Equal(new FeedEvent.Ignored(reason), Read(claims));

    private static FeedEvent Read(string claims)
    {
        // Placeholders keep the JSON literal readable (braces and interpolation do not mix well).
        using var document = JsonDocument.Parse(claims
            .Replace("ISSUER", Issuer, StringComparison.Ordinal)
            .Replace("SESSION_REVOKED", EventTypes.SessionRevoked, StringComparison.Ordinal)
            .Replace("KEY_CHANGE", EventTypes.KeyChange, StringComparison.Ordinal));
        return FeedEvent.Read(document.RootElement, Issuer, s_now);
    }
}
