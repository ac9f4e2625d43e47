using AuthServer.Keys;
using AuthServer.Persistence;
using AuthServer.Tokens;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.BackchannelLogout;

/// <summary>Mints logout tokens (OIDC Back-Channel Logout 1.0 §2.4), signed like identity tokens so clients verify them from the JWKS.</summary>
public sealed class LogoutTokens(KeyRingSource keys, IOptions<TokenServerOptions> tokens, IOptions<BackchannelLogoutOptions> options, TimeProvider clock)
{
    /// <summary>§2.4: the event member that makes this a logout token.</summary>
    public const string LogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>§2.3 / RFC 8725 §3.11: explicit typing, so a logout token can never pass for an ID token.</summary>
    public const string TokenType = "logout+jwt";

    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Create(BackchannelLogoutNotice notice)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var issuer = tokens.Value.Issuer?.AbsoluteUri
            ?? throw new InvalidOperationException("Tokens:Issuer must be set to send back-channel logout tokens.");

        // §2.4: no nonce (so it cannot be replayed as an ID token); a fresh jti per attempt lets the client spot replays.
        return s_handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = TokenType,
            Issuer = issuer,
            Audience = notice.ClientId,
            IssuedAt = now,
            Expires = now + options.Value.TokenLifetime,
            SigningCredentials = keys.Current.IdentityTokenCredentials,
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
                [JwtRegisteredClaimNames.Sub] = notice.Subject,
                ["sid"] = notice.SessionId,
                ["events"] = new Dictionary<string, object>(StringComparer.Ordinal) { [LogoutEvent] = new Dictionary<string, object>() },
            },
        });
    }
}
