using System.ComponentModel.DataAnnotations;

namespace AuthServer.Contracts.Admin;

// The admin API's request and response records, as docs/admin-openapi.json describes them: the server answers with these
// and the CLI reads them, so a change to one is a change to both. The data annotations are the server's validation
// (AddValidation checks them before a handler runs); a client ignores them.

public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int Total);

public sealed record UserView(string Id, string? UserName, string? Email, bool LockedOut, DateTimeOffset? LockoutEnd);

/// <summary>Checked by the framework's validation (AddValidation) before the handler runs: 400 with the field's error.</summary>
public sealed record CreateUserRequest(
    [property: Required(ErrorMessage = "A user name is required.")] string? UserName,
    string? Email,
    [property: Required(ErrorMessage = "A password is required.")] string? Password);

public sealed record ResetPasswordRequest([property: Required(ErrorMessage = "A new password is required.")] string? Password);

/// <summary>One refresh-token chain (an authorization); BrowserSession is the sign-in it was issued in, if any.</summary>
public sealed record SessionView(string Id, string? ClientId, DateTime? Created, DateTime? LastUsed, DateTime? Expires, int LiveTokens, int Tokens, string? BrowserSession);

/// <summary>One sign-in on the login page, with the chains issued inside it.</summary>
public sealed record BrowserSessionView(
    string Id, string? ClientId, DateTime Created, DateTime LastSeen, DateTime Expires, string? SourceAddress, string? UserAgent,
    DateTime? Ended, string? EndReason, IReadOnlyList<string> Chains);

/// <summary>How many rows one revocation turned from live to revoked (or ended, for browser sessions).</summary>
public sealed record RevocationCounts(int Tokens, int Authorizations, int BrowserSessions = 0);

/// <summary>How many rows one prune deleted.</summary>
public sealed record PruneCounts(long Tokens, long Authorizations, DateTimeOffset Threshold);

/// <summary>Optional: a shorter overlap than Catalog:SecretOverlap, 0 to end the old secret at once.</summary>
public sealed record RotateSecretRequest([property: Range(0, int.MaxValue)] int? OverlapMinutes);

/// <summary>The new secret, returned this once only; the previous one works until <paramref name="PreviousSecretValidUntil"/>.</summary>
public sealed record RotatedSecret(string ClientId, string ClientSecret, DateTimeOffset PreviousSecretValidUntil);

/// <summary>A key as the admin API and `keys list --json` show it (state in words, dates in UTC).</summary>
public sealed record KeyEntry(string Kid, string Use, string Algorithm, int? Generation, string State, DateTime? Created, DateTime? Activates,
    DateTime? Retired, DateTime? Removes, DateTime? Revoked, string? Actor);

/// <summary>The key list of `keys list` and GET /admin/keys.</summary>
public sealed record KeyList(string Source, IReadOnlyList<KeyEntry> Keys);

/// <summary>POST /admin/keys/rotate: one use (access, identity, encryption), or all three when absent.</summary>
public sealed record RotateKeysRequest(string? Use);

/// <summary>One client's back-channel logout notices: how many wait, were given up on, or arrived, and why the last one failed.</summary>
public sealed record LogoutNoticeClientView(string ClientId, int Pending, int Abandoned, int Delivered, DateTime? OldestPending, DateTime? LastAbandoned, string? LastError);

/// <summary>One notice (OIDC Back-Channel Logout 1.0): the session it tells of, and where its delivery stands.</summary>
public sealed record LogoutNoticeView(
    Guid Id, string ClientId, string Uri, string Subject, string SessionId, string State, DateTime Created, int Attempts,
    DateTime? NextAttempt, string? LastError, DateTime? Delivered, DateTime? Abandoned);
