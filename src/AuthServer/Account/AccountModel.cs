using AuthServer.Contracts.Admin;
using AuthServer.Passkeys;
using AuthServer.Persistence;

namespace AuthServer.Account;

/// <summary>Everything the account page shows, read for the signed-in user only.</summary>
public sealed record AccountModel(
    string UserName,
    string? Email,
    bool HasPassword,
    bool Confirmed,
    IReadOnlyList<PasskeyRow> Passkeys,
    PasskeyChallenge? Registration,
    IReadOnlyList<SessionRow> Sessions,
    IReadOnlyList<SessionView> ChainsWithoutSession,
    IReadOnlyList<AccountEvent> Events,
    string? Notice,
    string? Error);

/// <summary>One passkey of the user's; its id is the credential id in base64url, what the page's forms post back.</summary>
public sealed record PasskeyRow(string Id, string Name, DateTimeOffset Created, DateTime? LastUsed, bool Synced);

/// <summary>A live browser session with the refresh-token chains issued inside it.</summary>
public sealed record SessionRow(BrowserSession Session, IReadOnlyList<SessionView> Chains, bool IsCurrent);
