using System.Text.Json;
using AuthServer.Clients;

namespace AuthServer.BackchannelLogout;

/// <summary>
/// A client's back-channel logout registration (OIDC Back-Channel Logout 1.0 §2.2), kept in its OpenIddict row's
/// `Properties` beside the catalog stamp: written only by a sync the catalog version allows (decision 008), so a
/// stale instance can neither drop nor restore a URI.
/// </summary>
public sealed record BackchannelRegistration(Uri Uri, bool SessionRequired)
{
    public const string UriProperty = "authserver_backchannel_logout_uri";
    public const string SessionRequiredProperty = "authserver_backchannel_logout_session_required";

    public static BackchannelRegistration? Read(IReadOnlyDictionary<string, JsonElement> properties) =>
        properties.TryGetValue(UriProperty, out var uri) && uri.ValueKind == JsonValueKind.String
            && Uri.TryCreate(uri.GetString(), UriKind.Absolute, out var parsed)
            ? new BackchannelRegistration(parsed, !properties.TryGetValue(SessionRequiredProperty, out var required) || required.ValueKind != JsonValueKind.False)
            : null;

    /// <summary>Reads the raw `Properties` column, as the enqueueing query loads it.</summary>
    public static BackchannelRegistration? Read(string? properties)
    {
        if (string.IsNullOrEmpty(properties))
        {
            return null;
        }

        using var document = JsonDocument.Parse(properties);
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? Read(document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal))
            : null;
    }

    /// <summary>Sets or removes the properties from configuration: a URI removed from the catalog is removed from the row.</summary>
    public static void WriteTo(IDictionary<string, JsonElement> properties, ClientRegistration client)
    {
        if (client.BackchannelLogoutUri is { } uri)
        {
            properties[UriProperty] = JsonSerializer.SerializeToElement(uri.AbsoluteUri);
            properties[SessionRequiredProperty] = JsonSerializer.SerializeToElement(client.BackchannelLogoutSessionRequired);
        }
        else
        {
            properties.Remove(UriProperty);
            properties.Remove(SessionRequiredProperty);
        }
    }
}
