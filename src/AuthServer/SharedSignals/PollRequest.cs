using System.Text.Json;
using System.Text.RegularExpressions;

namespace AuthServer.SharedSignals;

/// <summary>An RFC 8936 §2.4 poll request, checked member by member so a malformed one is a 400 that names the member.</summary>
internal sealed partial class PollRequest
{
    private const int MaxJtiLength = 64;

    public int? MaxEvents { get; private init; }

    public bool ReturnImmediately { get; private init; }

    public IReadOnlyList<string> Acks { get; private init; } = [];

    /// <summary>jti → RFC 8935 §2.3 error code (anything unregistered-looking becomes "other": it is logged).</summary>
    public IReadOnlyDictionary<string, string> Errors { get; private init; } = new Dictionary<string, string>();

    public static PollRequest? Parse(JsonElement body, out string? error)
    {
        error = null;
        int? maxEvents = null;
        var returnImmediately = false;
        List<string> acks = [];
        Dictionary<string, string> errors = new(StringComparer.Ordinal);

        if (body.TryGetProperty("maxEvents", out var max))
        {
            if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var value) || value < 0)
            {
                error = "maxEvents must be a non-negative integer.";
                return null;
            }

            maxEvents = value;
        }

        if (body.TryGetProperty("returnImmediately", out var immediately))
        {
            if (immediately.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = "returnImmediately must be true or false.";
                return null;
            }

            returnImmediately = immediately.GetBoolean();
        }

        if (body.TryGetProperty("ack", out var ack))
        {
            if (ack.ValueKind != JsonValueKind.Array || ack.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String || item.GetString()!.Length is 0 or > MaxJtiLength))
            {
                error = $"ack must be an array of jti strings (1 to {MaxJtiLength} characters).";
                return null;
            }

            acks.AddRange(ack.EnumerateArray().Select(item => item.GetString()!));
        }

        if (body.TryGetProperty("setErrs", out var setErrs))
        {
            if (setErrs.ValueKind != JsonValueKind.Object)
            {
                error = "setErrs must be an object of jti to {\"err\", \"description\"}.";
                return null;
            }

            foreach (var entry in setErrs.EnumerateObject())
            {
                if (entry.Name.Length is 0 or > MaxJtiLength || entry.Value.ValueKind != JsonValueKind.Object
                    || !entry.Value.TryGetProperty("err", out var err) || err.ValueKind != JsonValueKind.String)
                {
                    error = "Each setErrs member must be a jti naming an object with a string err.";
                    return null;
                }

                errors[entry.Name] = ErrorCode().IsMatch(err.GetString()!) ? err.GetString()! : "other";
            }
        }

        return new PollRequest { MaxEvents = maxEvents, ReturnImmediately = returnImmediately, Acks = acks, Errors = errors };
    }

    [GeneratedRegex("^[a-z_]{1,32}$")]
    private static partial Regex ErrorCode();
}
