using System.Text.Json;
using AuthServer.Persistence;
using AuthServer.SharedSignals;

namespace AuthServer.UnitTests.SharedSignals;

/// <summary>The decisions of one poll (RFC 8936 §2.4) that need no database, at explicit times.</summary>
public sealed class PollSelectionTests
{
    private static readonly DateTime s_now = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly SharedSignalsOptions s_settings = new() { MaxEventsPerPoll = 50 };

    [Theory]
    [InlineData("{}", 50)]
    [InlineData("""{"maxEvents":10}""", 10)]
    [InlineData("""{"maxEvents":0}""", 0)]
    [InlineData("""{"maxEvents":500}""", 50)]
    public void A_poll_takes_what_it_asks_for_up_to_the_servers_maximum(string json, int expected) =>
        Assert.Equal(expected, PollSelection.EventsToTake(Request(json), s_settings));

    [Fact]
    public void A_streams_last_poll_is_written_at_most_once_a_minute()
    {
        Assert.False(PollSelection.TouchDue(s_now.AddSeconds(-59), s_now));
        Assert.True(PollSelection.TouchDue(s_now.AddMinutes(-1), s_now));
    }

    [Fact]
    public void Acknowledged_and_refused_jtis_are_settled_once_each() =>
        Assert.Equal(["a", "b", "c"], PollSelection.SettledJtis(Request("""{"ack":["a","b","a"],"setErrs":{"b":{"err":"invalid_key"},"c":{"err":"invalid_issuer"}}}""")));

    [Fact]
    public void Only_known_events_not_yet_acknowledged_are_stored_with_the_error_reported()
    {
        var request = Request("""{"ack":["a"],"setErrs":{"b":{"err":"invalid_key"},"c":{"err":"Not A Code"}}}""");

        var acks = PollSelection.NewAcks("stream-1", request, [(1, "a"), (2, "b"), (3, "c"), (4, "d")], [4L, 1L], s_now);

        Assert.Equal([(2L, "invalid_key"), (3L, "other")], acks.Select(a => (a.EventId, a.Error)));
        Assert.All(acks, a => Assert.Equal(("stream-1", s_now), (a.StreamId, a.AckedAt)));
    }

    [Fact]
    public void The_answer_holds_up_to_take_sets_and_says_when_more_are_waiting()
    {
        SecurityEvent[] due = [new() { Id = 1, Jti = "j1" }, new() { Id = 2, Jti = "j2" }, new() { Id = 3, Jti = "j3" }];

        Assert.Equal("""{"sets":{"j1":"set-1","j2":"set-2"},"moreAvailable":true}""", Json(PollSelection.Answer(due, 2, e => $"set-{e.Id}")));
        Assert.Equal("""{"sets":{"j1":"set-1","j2":"set-2","j3":"set-3"},"moreAvailable":false}""", Json(PollSelection.Answer(due, 3, e => $"set-{e.Id}")));
        Assert.Equal("""{"sets":{},"moreAvailable":false}""", Json(PollSelection.Answer([], 5, e => "unused")));
    }

    [Fact]
    public void A_poll_asking_for_none_is_answered_with_empty_sets_alone() =>
        Assert.Equal("""{"sets":{}}""", Json(PollSelection.Answer([new() { Id = 1, Jti = "j1" }], 0, e => "unused")));

    private static PollRequest Request(string json)
    {
        using var document = JsonDocument.Parse(json);
        return PollRequest.Parse(document.RootElement, out var error) ?? throw new InvalidOperationException(error);
    }

    private static string Json(Dictionary<string, object> answer) => JsonSerializer.Serialize(answer);
}
