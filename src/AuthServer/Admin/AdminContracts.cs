using System.ComponentModel.DataAnnotations;

namespace AuthServer.Admin;

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

/// <summary>Optional: a shorter overlap than Catalog:SecretOverlap, 0 to end the old secret at once.</summary>
public sealed record RotateSecretRequest([property: Range(0, int.MaxValue)] int? OverlapMinutes);

/// <summary>The new secret, returned this once only; the previous one works until <paramref name="PreviousSecretValidUntil"/>.</summary>
public sealed record RotatedSecret(string ClientId, string ClientSecret, DateTimeOffset PreviousSecretValidUntil);
