using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuthServer.Cli;

// The admin API's contract as docs/admin-openapi.json describes it; the tool keeps its own copy (it references no server project).
internal sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, int Total);

internal sealed record UserView(string Id, string? UserName, string? Email, bool LockedOut, DateTimeOffset? LockoutEnd);

internal sealed record CreateUserRequest(string UserName, string? Email, string Password);

internal sealed record ResetPasswordRequest(string Password);

internal sealed record SessionView(string Id, string? ClientId, DateTime? Created, DateTime? LastUsed, DateTime? Expires, int LiveTokens, int Tokens, string? BrowserSession);

internal sealed record BrowserSessionView(
    string Id, string? ClientId, DateTime Created, DateTime LastSeen, DateTime Expires, string? SourceAddress, string? UserAgent,
    DateTime? Ended, string? EndReason, IReadOnlyList<string> Chains);

internal sealed record RevocationCounts(int Tokens, int Authorizations, int BrowserSessions = 0);

internal sealed record PruneCounts(long Tokens, long Authorizations, DateTimeOffset Threshold);

internal sealed record RotateSecretRequest(int? OverlapMinutes);

internal sealed record RotatedSecret(string ClientId, string ClientSecret, DateTimeOffset PreviousSecretValidUntil);

internal sealed record KeyEntry(string Kid, string Use, string Algorithm, int? Generation, string State, DateTime? Created, DateTime? Activates,
    DateTime? Retired, DateTime? Removes, DateTime? Revoked, string? Actor);

internal sealed record KeyList(string Source, IReadOnlyList<KeyEntry> Keys);

internal sealed record RotateKeysRequest(string? Use);

internal sealed record LogoutNoticeClientView(string ClientId, int Pending, int Abandoned, int Delivered, DateTime? OldestPending, DateTime? LastAbandoned, string? LastError);

internal sealed record LogoutNoticeView(
    Guid Id, string ClientId, string Uri, string Subject, string SessionId, string State, DateTime Created, int Attempts,
    DateTime? NextAttempt, string? LastError, DateTime? Delivered, DateTime? Abandoned);

/// <summary>What `--json` prints for the commands whose answer has no body (lock, unlock, reset-password, delete).</summary>
internal sealed record UserStatus(string User, string Status);

/// <summary>RFC 9457 problem details, as every admin 4xx answers.</summary>
internal sealed record Problem(string? Title, string? Detail, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>The token endpoint's answer (RFC 6749 §5.1, §5.2).</summary>
internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription);

[JsonSerializable(typeof(Page<UserView>))]
[JsonSerializable(typeof(Page<SessionView>))]
[JsonSerializable(typeof(Page<BrowserSessionView>))]
[JsonSerializable(typeof(Page<LogoutNoticeView>))]
[JsonSerializable(typeof(IReadOnlyList<LogoutNoticeClientView>))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(ResetPasswordRequest))]
[JsonSerializable(typeof(RevocationCounts))]
[JsonSerializable(typeof(PruneCounts))]
[JsonSerializable(typeof(RotateSecretRequest))]
[JsonSerializable(typeof(RotatedSecret))]
[JsonSerializable(typeof(KeyList))]
[JsonSerializable(typeof(KeyEntry))]
[JsonSerializable(typeof(RotateKeysRequest))]
[JsonSerializable(typeof(UserStatus))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class AdminJson : JsonSerializerContext
{
    /// <summary>
    /// One instance for the run: web naming (camelCase) both ways, indented output, and relaxed escaping because the
    /// output goes to a terminal or a script, never into HTML ('+' stays '+').
    /// </summary>
    public static AdminJson Context { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
