using System.Text.Json;
using AuthServer.Contracts.SharedSignals;

namespace AuthServer.ResourceServer;

/// <summary>What one verified SET from the revocation feed asks of this API; <see cref="Ignored"/> when nothing.</summary>
internal abstract record FeedEvent
{
    /// <summary>When a SET names no retention, every token it could refuse has surely expired after this.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromHours(1);

    private FeedEvent()
    {
    }

    /// <summary>A signing key was revoked: dropped from the issuer's keys at once.</summary>
    public sealed record KeyRevoked(string Kid) : FeedEvent;

    /// <summary>A signing key was announced or activated: fetched in the background until published.</summary>
    public sealed record KeyExpected(string Kid) : FeedEvent;

    /// <summary>One session (or grant chain); times are Unix seconds.</summary>
    public sealed record SessionRevoked(string SessionId, long RetainUntil) : FeedEvent;

    /// <summary>Every session of a user up to <paramref name="At"/>; <paramref name="SessionIds"/> lists them when the server could.</summary>
    public sealed record UserRevoked(string Subject, long At, IReadOnlyList<string>? SessionIds, long RetainUntil) : FeedEvent;

    /// <summary>Every session of a client up to <paramref name="At"/>.</summary>
    public sealed record ClientRevoked(string ClientId, long At, long RetainUntil) : FeedEvent;

    /// <summary>Nothing to apply: an event this API does not act on, or one it cannot read.</summary>
    public sealed record Ignored(string Reason) : FeedEvent;

    /// <summary>
    /// Reads a verified SET's claims. A key-change event wins over any other event in the same SET. A subject is trusted
    /// only when issued by <paramref name="issuer"/>; <paramref name="now"/> stands in for a missing event time.
    /// </summary>
    public static FeedEvent Read(JsonElement claims, string issuer, DateTimeOffset now)
    {
        // A SET whose events are not an object is acknowledged and ignored, never retried: reading it again cannot succeed.
        if (!claims.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Object)
        {
            return new Ignored("no events");
        }

        if (events.TryGetProperty(EventTypes.KeyChange, out var change))
        {
            return ReadKeyChange(change);
        }

        if (!events.TryGetProperty(EventTypes.SessionRevoked, out var revoked) || revoked.ValueKind != JsonValueKind.Object)
        {
            return new Ignored("no session-revoked event");
        }

        if (!claims.TryGetProperty("sub_id", out var subject) || subject.ValueKind != JsonValueKind.Object)
        {
            return new Ignored("no subject");
        }

        var at = Seconds(revoked, "event_timestamp") ?? now.ToUnixTimeSeconds();
        var retainUntil = Seconds(revoked, SessionRevokedMembers.RetainUntil) ?? at + (long)DefaultRetention.TotalSeconds;
        var format = Text(subject, "format");
        var complex = format == "complex";
        if (complex && !subject.TryGetProperty("user", out _) && subject.TryGetProperty("application", out var application)
            && Text(application, "id") is { } clientId)
        {
            return new ClientRevoked(clientId, at, retainUntil);
        }

        // A complex subject names its user in `user`; a simple one is the user.
        var user = complex && subject.TryGetProperty("user", out var member) ? member : subject;
        if (Text(user, "format") != "iss_sub" || Text(user, "iss") != issuer || Text(user, "sub") is not { } sub)
        {
            return new Ignored("no user of this issuer");
        }

        if (complex && subject.TryGetProperty("session", out var session) && Text(session, "id") is { } sessionId)
        {
            return new SessionRevoked(sessionId, retainUntil);
        }

        List<string>? listed = revoked.TryGetProperty(SessionRevokedMembers.SessionIds, out var ids) && ids.ValueKind == JsonValueKind.Array
            ? [.. ids.EnumerateArray().Where(id => id.ValueKind == JsonValueKind.String).Select(id => id.GetString()!)]
            : null;
        return new UserRevoked(sub, at, listed, retainUntil);
    }

    private static FeedEvent ReadKeyChange(JsonElement change)
    {
        if (change.ValueKind != JsonValueKind.Object || Text(change, KeyChangeMembers.Kid) is not { } kid)
        {
            return new Ignored("key change without a kid");
        }

        return Text(change, KeyChangeMembers.Change) switch
        {
            KeyChangeMembers.Revoked => new KeyRevoked(kid),
            KeyChangeMembers.Announced or KeyChangeMembers.Activated => new KeyExpected(kid),
            _ => new Ignored("unknown key change"),
        };
    }

    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) ? (long)Math.Floor(seconds) : null;
}
