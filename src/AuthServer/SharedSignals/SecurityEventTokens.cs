using AuthServer.Contracts.SharedSignals;
using AuthServer.Keys;
using AuthServer.Persistence;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.SharedSignals;

/// <summary>
/// Mints Security Event Tokens (RFC 8417) for one receiver, signed with the access-token key so a resource API verifies
/// them with the JWKS it already holds. Minted at each delivery, never stored.
/// </summary>
public sealed class SecurityEventTokens(KeyRingSource keys, TimeProvider clock)
{
    /// <summary>RFC 8417 §2.3 / SSF 1.0 §4.1.1: explicit typing, so a SET can never pass for an access or ID token.</summary>
    public const string TokenType = "secevent+jwt";

    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Create(SecurityEvent securityEvent, string issuer, string audience)
    {
        if (securityEvent.Type == KeyChangeEvents.StoredType)
        {
            return KeyChange(securityEvent, issuer, audience);
        }

        var user = new Dictionary<string, object>(StringComparer.Ordinal) { ["format"] = "iss_sub", ["iss"] = issuer, ["sub"] = securityEvent.Subject };

        // SSF 1.0 §3.2: one session of the user is a complex subject; the user alone means every session of the user;
        // an application alone (CAEP 1.0 §3.1: any session matching the subject) every session of that client.
        Dictionary<string, object> subject = (securityEvent.ClientId, securityEvent.SessionId) switch
        {
            ({ } client, _) => new(StringComparer.Ordinal)
            {
                ["format"] = "complex",
                ["application"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["format"] = "opaque", ["id"] = client },
            },
            (_, { } session) => new(StringComparer.Ordinal)
            {
                ["format"] = "complex",
                ["user"] = user,
                ["session"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["format"] = "opaque", ["id"] = session },
            },
            _ => user,
        };

        var occurred = EpochTime.GetIntDate(securityEvent.OccurredAt);
        var payload = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["event_timestamp"] = occurred,
            ["initiating_entity"] = securityEvent.InitiatingEntity,
            ["reason_admin"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["en"] = securityEvent.Reason },
        };
        if (securityEvent.Type == CaepEvents.SessionRevoked)
        {
            payload[SessionRevokedMembers.RetainUntil] = EpochTime.GetIntDate(securityEvent.ExpiresAt);
            if (securityEvent.SessionId is null && securityEvent.RevokedSessions is { } listed)
            {
                payload[SessionRevokedMembers.SessionIds] = listed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }
        else if (securityEvent.Type == CaepEvents.CredentialChange)
        {
            payload["credential_type"] = "password";
            payload["change_type"] = CaepEvents.PasswordChangeType(securityEvent.Reason) ?? "update";
        }

        return Sign(securityEvent, issuer, audience, subject, payload);
    }

    /// <summary>The key is the subject (an opaque id: its `kid`); the change says what a receiver does with its JWKS.</summary>
    private string KeyChange(SecurityEvent securityEvent, string issuer, string audience) => Sign(securityEvent, issuer, audience,
        new Dictionary<string, object>(StringComparer.Ordinal) { ["format"] = "opaque", ["id"] = securityEvent.Subject },
        new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["event_timestamp"] = EpochTime.GetIntDate(securityEvent.OccurredAt),
            ["initiating_entity"] = securityEvent.InitiatingEntity,
            [KeyChangeMembers.Kid] = securityEvent.Subject,
            [KeyChangeMembers.Change] = securityEvent.Reason,
        });

    // SSF 1.0 §4.1.2/§4.1.6: no `sub` and no `exp` in a SET; the subject is `sub_id`.
    private string Sign(SecurityEvent securityEvent, string issuer, string audience, Dictionary<string, object> subject, Dictionary<string, object> payload) =>
        s_handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = TokenType,
            Issuer = issuer,
            Audience = audience,
            IssuedAt = clock.GetUtcNow().UtcDateTime,
            SigningCredentials = keys.Current.AccessTokenCredentials,
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [JwtRegisteredClaimNames.Jti] = securityEvent.Jti,
                ["txn"] = securityEvent.Txn,
                ["sub_id"] = subject,
                ["events"] = new Dictionary<string, object>(StringComparer.Ordinal) { [CaepEvents.TypeUri(securityEvent.Type)] = payload },
            },
        });
}
