using System.Text.Json;
using AuthServer.Contracts.SharedSignals;
using AuthServer.Persistence;

namespace AuthServer.SharedSignals;

/// <summary>
/// A receiver's request bodies, checked before anything is stored: the body must be one JSON object whose every string
/// reads, and a stream creation asks for poll delivery (the only method served) with at most a string description.
/// </summary>
internal static class StreamRequests
{
    /// <summary>The body as a JSON object, or the error to answer with (400 invalid_request).</summary>
    public static async Task<(JsonElement? Body, string? Error)> ReadObjectAsync(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(body, new JsonDocumentOptions { MaxDepth = 8 }, cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, "The request body must be a JSON object.");
            }

            ReadEveryString(document.RootElement);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException)
        {
            return (null, "The request body is not valid JSON.");
        }
        catch (InvalidOperationException)
        {
            return (null, "The request body holds a string that is not valid UTF-8 (a lone surrogate or a broken byte sequence).");
        }
    }

    /// <summary>
    /// SSF 1.0 §8.1.1.1: what a stream creation may ask. False with the error when it asks for another delivery method
    /// or names a description that is not a string; a long description is cut to what is stored.
    /// </summary>
    public static bool TryReadCreation(JsonElement body, out string? description, out string? error)
    {
        description = null;
        error = null;
        if (body.TryGetProperty("delivery", out var delivery)
            && (delivery.ValueKind != JsonValueKind.Object
                || (delivery.TryGetProperty("method", out var method) && (method.ValueKind != JsonValueKind.String || method.GetString() != DeliveryMethods.Poll))))
        {
            error = $"Only poll delivery ({DeliveryMethods.Poll}) is supported.";
            return false;
        }

        if (body.TryGetProperty("description", out var text))
        {
            if (text.ValueKind != JsonValueKind.String)
            {
                error = "description must be a string.";
                return false;
            }

            description = text.GetString() is { Length: > EventStreamRegistration.DescriptionLength } long_ ? long_[..EventStreamRegistration.DescriptionLength] : text.GetString();
        }

        return true;
    }

    /// <summary>
    /// The parser accepts a lone surrogate escape ("\ud800") or invalid UTF-8 inside a string and throws only when the
    /// string is read (InvalidOperationException), so every name and string is read once here, before any handler does.
    /// </summary>
    private static void ReadEveryString(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    ReadEveryString(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    ReadEveryString(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            default:
                break;
        }
    }
}
