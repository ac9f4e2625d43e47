namespace AuthServer.Persistence;

/// <summary>
/// Something that happened to one account, kept for the user's account page (and operators): sign-ins and failed
/// attempts with their method and a coarse source, passkeys added or removed, password changes, sessions ended. Never a
/// secret, a token or a full address. Pruned after Account:EventRetention.
/// </summary>
public sealed class AccountEvent
{
    public const int KindLength = 32;
    public const int MethodLength = 16;
    public const int SourceLength = 64;
    public const int ClientIdLength = 100;
    public const int DetailLength = 100;

    public long Id { get; set; }

    public string UserId { get; set; } = "";

    /// <summary>UTC.</summary>
    public DateTime OccurredAt { get; set; }

    /// <summary>What happened: one of AccountHistory.Kinds (signed-in, sign-in-failed, passkey-added, session-ended, replay-detected, …).</summary>
    public string Kind { get; set; } = "";

    /// <summary>password or passkey, for sign-ins.</summary>
    public string? Method { get; set; }

    /// <summary>The network it came from, coarsened (IPv4 /24, IPv6 /48): enough to recognise, not to locate.</summary>
    public string? Source { get; set; }

    public string? ClientId { get; set; }

    /// <summary>A passkey's name or why a session ended; typed by the user or chosen by the server, never a secret.</summary>
    public string? Detail { get; set; }
}
