using System.Text.Json;
using AuthServer.Bff.Sessions;
using AuthServer.Bff.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Bff.Endpoints;

/// <summary>
/// OIDC Back-Channel Logout 1.0: the server POSTs a signed logout token when a session this client took part in ends
/// (logout elsewhere, operator revocation, password change); every BFF session of it ends here. Replays are harmless
/// (ending an ended session changes nothing), so no `jti` is remembered.
/// </summary>
public static class BackchannelLogoutReceiver
{
    public const string LogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    internal static async Task<IResult> ReceiveAsync(HttpContext context, AuthorityClient authority, ISessionStore store,
        IOptions<AuthServerBffOptions> options, ILoggerFactory loggers)
    {
        // §2.8: the answer must not be cached.
        context.Response.Headers.CacheControl = "no-store";
        var logger = loggers.CreateLogger(typeof(BackchannelLogoutReceiver));
        if (!context.Request.HasFormContentType)
        {
            return Refuse(logger, "not a form post");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form["logout_token"] is not { Count: 1 } values || string.IsNullOrEmpty(values[0]))
        {
            return Refuse(logger, "logout_token missing or repeated");
        }

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await authority.ConfigurationAsync(context.RequestAborted);
        }
        catch (Exception ex) when (AuthorityClient.IsOutage(ex))
        {
            BffLog.AuthorityUnavailable(logger, "discovery", ex.GetType().Name);
            return BffProblems.Authority();
        }

        // §2.6: signature from the JWKS, issuer, audience = this client, lifetime; typ logout+jwt so an ID token never passes (RFC 8725 §3.11).
        var result = await Handler.ValidateTokenAsync(values[0], new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = options.Value.ClientId,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidTypes = ["logout+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
        {
            return Refuse(logger, $"did not validate ({result.Exception?.GetType().Name ?? "unknown"})");
        }

        if (!HasLogoutEvent(token))
        {
            return Refuse(logger, "no back-channel logout event");
        }

        // §2.4: a nonce would make it usable as an ID token; a logout token must not carry one.
        if (token.TryGetPayloadValue<string>("nonce", out _))
        {
            return Refuse(logger, "nonce present");
        }

        var subject = token.TryGetPayloadValue<string>("sub", out var sub) && !string.IsNullOrEmpty(sub) ? sub : null;
        var sessionId = token.TryGetPayloadValue<string>("sid", out var sid) && !string.IsNullOrEmpty(sid) ? sid : null;
        if (subject is null && sessionId is null)
        {
            return Refuse(logger, "neither sub nor sid");
        }

        var ended = await store.RemoveBySessionAsync(subject, sessionId, CancellationToken.None);
        BffLog.BackchannelLogout(logger, subject ?? "-", sessionId ?? "-", ended);
        return TypedResults.Ok();
    }

    private static bool HasLogoutEvent(JsonWebToken token)
    {
        var events = token.Claims.FirstOrDefault(claim => claim.Type == "events")?.Value;
        if (string.IsNullOrEmpty(events))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(events);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(LogoutEvent, out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ProblemHttpResult Refuse(ILogger logger, string reason)
    {
        BffLog.BackchannelLogoutRefused(logger, reason);
        return BffProblems.LogoutToken(reason);
    }
}
