using System.Text.Json;
using AuthServer.Bff.Sessions;
using AuthServer.Bff.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;

namespace AuthServer.Bff.Endpoints;

/// <summary>
/// OIDC Back-Channel Logout 1.0: the server POSTs a signed logout token when a session this client took part in ends
/// (logout elsewhere, operator revocation, password change); every BFF session of it ends here. Replays are harmless
/// (ending an ended session changes nothing), so no `jti` is remembered.
/// </summary>
public static class BackchannelLogoutReceiver
{
    public const string LogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>A logout token is a signed JWT of about 1 KB (§2.4), and nothing else is posted: 16 KB leaves room and no more.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    private const string FormType = "application/x-www-form-urlencoded";

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private static readonly string[] AllowedAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>The form of a notice: logout_token and perhaps a few more fields, short names, one value that fits the body.</summary>
    private static readonly FormOptions FormLimits = new()
    {
        ValueCountLimit = 8,
        KeyLengthLimit = 64,
        ValueLengthLimit = MaxBodyBytes,
        BufferBodyLengthLimit = MaxBodyBytes,
        MultipartBodyLengthLimit = MaxBodyBytes,
    };

    internal static async Task<IResult> ReceiveAsync(HttpContext context, AuthorityClient authority, ISessionStore store,
        IOptions<AuthServerBffOptions> options, ILoggerFactory loggers)
    {
        // §2.8: the answer must not be cached.
        context.Response.Headers.CacheControl = "no-store";
        var logger = loggers.CreateLogger(typeof(BackchannelLogoutReceiver));

        // §2.5: the notice is posted as application/x-www-form-urlencoded; nothing else is parsed (no multipart reader at all).
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) || !type.MediaType.Equals(FormType, StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(logger, "not an application/x-www-form-urlencoded post");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit && (limit.MaxRequestBodySize ?? long.MaxValue) > MaxBodyBytes)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return Refuse(logger, $"body over {MaxBodyBytes} bytes");
        }

        IFormCollection form;
        try
        {
            form = await new FormFeature(context.Request, FormLimits).ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // Too many fields, a key or value too long, a body over the limit (BadHttpRequestException is an IOException).
            return Refuse(logger, $"the form does not fit the limits of a logout notice ({ex.GetType().Name})");
        }

        if (form["logout_token"] is not { Count: 1 } values || string.IsNullOrEmpty(values[0]))
        {
            return Refuse(logger, "logout_token missing or repeated");
        }

        // What is not a signed JWT in an allowed algorithm is refused before the authority is asked for its keys:
        // garbage costs no discovery call, and its answer does not depend on the authority being up.
        if (!IsSignedWithAllowedAlgorithm(values[0]!))
        {
            return Refuse(logger, "not a JWS in an allowed algorithm");
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
            ValidAlgorithms = AllowedAlgorithms,
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

    private static bool IsSignedWithAllowedAlgorithm(string value)
    {
        try
        {
            var token = new JsonWebToken(value);
            return !token.IsEncrypted && AllowedAlgorithms.Contains(token.Alg, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException)
        {
            // Not three base64url parts with a JSON header (SecurityTokenMalformedException is an ArgumentException).
            return false;
        }
    }

    private static ProblemHttpResult Refuse(ILogger logger, string reason)
    {
        BffLog.BackchannelLogoutRefused(logger, reason);
        return BffProblems.LogoutToken(reason);
    }
}
