using System.Net;
using AuthServer.ResourceServer;

namespace AuthServer.UnitTests.ResourceServer;

/// <summary>Whether the feed can vouch for the revocation list, and when an outage begins and ends, at given times.</summary>
public sealed class FeedHealthTests
{
    private static readonly DateTimeOffset s_start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_staleAfter = TimeSpan.FromSeconds(30);

    [Fact]
    public void Before_the_first_success_it_is_stale_and_staleness_counts_from_the_start()
    {
        var health = new FeedHealth(s_start.AddHours(-1));
        health.Started(s_start);

        Assert.Equal(TimeSpan.FromSeconds(5), health.Staleness(s_start.AddSeconds(5)));
        Assert.True(health.IsStale(s_start.AddSeconds(5), s_staleAfter));
    }

    [Fact]
    public void After_a_success_it_is_fresh_until_the_stale_after_window_passes()
    {
        var health = new FeedHealth(s_start);
        health.Succeeded(s_start.AddSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(30), health.Staleness(s_start.AddSeconds(40)));
        Assert.False(health.IsStale(s_start.AddSeconds(40), s_staleAfter));
        Assert.True(health.IsStale(s_start.AddSeconds(41), s_staleAfter));
    }

    [Fact]
    public void An_outage_is_reported_once_when_it_begins_and_once_when_it_ends()
    {
        var health = new FeedHealth(s_start);

        Assert.False(health.Succeeded(s_start));
        Assert.Equal([true, false, false], [health.Failed(), health.Failed(), health.Failed()]);
        Assert.True(health.Succeeded(s_start.AddSeconds(3)));
        Assert.False(health.Succeeded(s_start.AddSeconds(4)));
        Assert.True(health.Failed());
    }

    [Fact]
    public void A_failure_is_described_in_a_few_words()
    {
        Assert.Equal("HTTP 503", FeedHealth.Describe(new HttpRequestException("x", null, HttpStatusCode.ServiceUnavailable)));
        Assert.Equal("ConnectionError", FeedHealth.Describe(new HttpRequestException(HttpRequestError.ConnectionError)));
        Assert.Equal("Timeout", FeedHealth.Describe(new TaskCanceledException()));
        Assert.Equal("JsonException", FeedHealth.Describe(new System.Text.Json.JsonException()));
    }

    [Theory]
    [InlineData(3600, 3540)]
    [InlineData(121, 61)]
    [InlineData(120, 60)]
    [InlineData(60, 30)]
    public void The_feed_token_is_renewed_a_minute_early_or_at_half_its_life(int lifetimeSeconds, int renewAfterSeconds) =>
        Assert.Equal(s_start.AddSeconds(renewAfterSeconds), FeedConnection.RenewAt(s_start, TimeSpan.FromSeconds(lifetimeSeconds)));
}
