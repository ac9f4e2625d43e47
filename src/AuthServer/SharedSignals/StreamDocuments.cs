using AuthServer.Contracts.SharedSignals;
using AuthServer.Persistence;
using AuthServer.Tokens;

namespace AuthServer.SharedSignals;

/// <summary>The documents the transmitter answers with, built from the issuer it is asked under; no I/O.</summary>
internal static class StreamDocuments
{
    /// <summary>SSF 1.0 §7.1: the transmitter's metadata.</summary>
    public static Dictionary<string, object> Metadata(string issuer) => new(StringComparer.Ordinal)
    {
        ["spec_version"] = "1_0",
        ["issuer"] = issuer,
        ["jwks_uri"] = At(issuer, Endpoints.Jwks),
        ["delivery_methods_supported"] = new[] { DeliveryMethods.Poll },
        ["configuration_endpoint"] = At(issuer, SharedSignalsEndpoints.Streams),
        ["authorization_schemes"] = new[] { new Dictionary<string, string> { ["spec_urn"] = "urn:ietf:rfc:6749" } },
        ["default_subjects"] = "ALL",
    };

    /// <summary>SSF 1.0 §8.1.1: a stream's configuration. Every stream gets every supported event, whatever it requested.</summary>
    public static Dictionary<string, object> Configuration(EventStreamRegistration stream, string issuer, SharedSignalsOptions settings)
    {
        var configuration = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["stream_id"] = stream.Id,
            ["iss"] = issuer,
            ["aud"] = stream.ClientId,
            ["delivery"] = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["method"] = DeliveryMethods.Poll,
                ["endpoint_url"] = At(issuer, $"{SharedSignalsEndpoints.Poll}/{stream.Id}"),
            },
            ["events_supported"] = CaepEvents.Supported,
            ["events_delivered"] = CaepEvents.Supported,
            ["inactivity_timeout"] = (long)settings.StreamInactivityTimeout.TotalSeconds,
        };
        if (stream.Description is not null)
        {
            configuration["description"] = stream.Description;
        }

        return configuration;
    }

    private static string At(string issuer, string path) => issuer.TrimEnd('/') + path;
}
