using System.Text.Json;
using AuthServer.Persistence;
using AuthServer.SharedSignals;

namespace AuthServer.UnitTests.SharedSignals;

/// <summary>The transmitter's metadata and a stream's configuration, built from the issuer alone.</summary>
public sealed class StreamDocumentsTests
{
    [Fact]
    public void The_metadata_points_beside_the_issuer()
    {
        var metadata = StreamDocuments.Metadata("https://id.example/");

        Assert.Equal("https://id.example/.well-known/jwks", metadata["jwks_uri"]);
        Assert.Equal("https://id.example/ssf/streams", metadata["configuration_endpoint"]);
        Assert.Equal(["urn:ietf:rfc:8936"], (string[])metadata["delivery_methods_supported"]);
    }

    [Fact]
    public void A_stream_is_polled_at_its_own_endpoint_and_gets_every_supported_event()
    {
        var settings = new SharedSignalsOptions { StreamInactivityTimeout = TimeSpan.FromHours(2) };
        var stream = new EventStreamRegistration { Id = "abc", ClientId = "orders-api" };

        var configuration = JsonSerializer.SerializeToElement(StreamDocuments.Configuration(stream, "https://id.example/tenant/", settings));

        Assert.Equal("https://id.example/tenant/ssf/poll/abc", configuration.GetProperty("delivery").GetProperty("endpoint_url").GetString());
        Assert.Equal("orders-api", configuration.GetProperty("aud").GetString());
        Assert.Equal(7200, configuration.GetProperty("inactivity_timeout").GetInt64());
        Assert.Equal(CaepEvents.Supported, configuration.GetProperty("events_delivered").EnumerateArray().Select(e => e.GetString()));
        Assert.False(configuration.TryGetProperty("description", out _));
    }

    [Fact]
    public void A_description_is_shown_when_the_receiver_gave_one()
    {
        var stream = new EventStreamRegistration { Id = "abc", ClientId = "c", Description = "orders on host-1" };

        Assert.Equal("orders on host-1", StreamDocuments.Configuration(stream, "https://id.example/", new SharedSignalsOptions())["description"]);
    }
}
