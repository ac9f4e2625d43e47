using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using AuthServer.Contracts.Admin;

namespace AuthServer.Cli;

// The admin API's records are AuthServer.Contracts', the types the server answers with; these three are the tool's own.

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
