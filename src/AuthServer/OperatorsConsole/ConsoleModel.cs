using AuthServer.Contracts.Admin;

namespace AuthServer.OperatorsConsole;

public enum ConsoleSection
{
    Overview,
    Users,
    User,
    Clients,
    Keys,
    Events,
    Refused,
}

/// <summary>One console page: which section, and what it shows.</summary>
public sealed record ConsoleModel(ConsoleSection Section)
{
    public static readonly IReadOnlyDictionary<string, string> Notices = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["locked"] = "User locked: every session and refresh token of theirs has ended.",
        ["unlocked"] = "User unlocked; their sign-in back-off is forgotten.",
        ["password-reset"] = "Password reset: every session and refresh token of theirs has ended.",
        ["user-revoked"] = "Everything the user held has ended.",
        ["session-ended"] = "Session ended, with every refresh token issued in it.",
        ["client-revoked"] = "Everything issued to the client has ended.",
        ["keys-rotated"] = "Rotation started: the new key is published now and signs from its 'Active from' time, once the APIs had time to fetch it; the old one keeps verifying until its tokens expire.",
        ["key-revoked"] = "Key revoked: unpublished now, dropped by every API on the feed within seconds.",
    };

    public string? Operator { get; init; }

    public string? Notice { get; init; }

    public string? Error { get; init; }

    public string? Back { get; init; }

    public Health? Health { get; init; }

    public string? Query { get; init; }

    public int Page { get; init; } = 1;

    public IReadOnlyList<UserRow> Users { get; init; } = [];

    public bool MoreUsers { get; init; }

    public UserDetail? User { get; init; }

    public IReadOnlyList<ClientRow> Clients { get; init; } = [];

    public RotatedSecret? Secret { get; init; }

    public KeyList? Keys { get; init; }

    public EventsModel? Events { get; init; }

    public IReadOnlyDictionary<string, string> UserNames { get; init; } = new Dictionary<string, string>();
}
