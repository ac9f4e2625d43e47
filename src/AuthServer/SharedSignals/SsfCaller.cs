using AuthServer.Protocol;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.SharedSignals;

/// <summary>
/// Who is calling the feed: a client whose access token (Protocol/CallerTokens: validated in process like the admin
/// API's, its client re-checked at every request) was issued for the feed's audience with its scope. Refusals use the
/// SET error shape (RFC 8935 §2.3, which RFC 8936 §2.4 reuses) with the RFC 6750 §3 challenge.
/// </summary>
internal static class SsfCaller
{
    public static async Task<(string? ClientId, IResult? Refusal)> AuthenticateAsync(HttpContext context, SharedSignalsOptions settings)
    {
        context.Response.Headers.CacheControl = "no-store";
        var result = await context.AuthenticateAsync(CallerTokens.Scheme);
        if (result.Principal is not { } principal)
        {
            var presented = context.Request.Headers.Authorization.Count > 0;
            context.Response.Headers.WWWAuthenticate = presented ? $"Bearer error=\"{Errors.InvalidToken}\"" : "Bearer";
            return (null, SsfResults.Error(StatusCodes.Status401Unauthorized, "authentication_failed",
                presented ? "The access token is invalid or expired." : "An access token for the feed is required."));
        }

        if (!principal.HasScope(settings.Scope) || !principal.GetAudiences().Contains(settings.Audience, StringComparer.Ordinal))
        {
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"{Errors.InsufficientScope}\", scope=\"{settings.Scope}\"";
            return (null, SsfResults.Error(StatusCodes.Status403Forbidden, "access_denied", $"The access token lacks the {settings.Scope} scope for {settings.Audience}."));
        }

        var clientId = principal.GetClaim(Claims.ClientId) ?? principal.GetClaim(Claims.Subject);
        return clientId is { Length: > 0 and <= 100 }
            ? (clientId, null)
            : (null, SsfResults.Error(StatusCodes.Status403Forbidden, "access_denied", "The access token names no client."));
    }
}

/// <summary>The feed's answers.</summary>
internal static class SsfResults
{
    /// <summary>RFC 8935 §2.3: `err` (a registered code) and a human-readable `description`.</summary>
    public static IResult Error(int status, string err, string description) =>
        TypedResults.Json(new Dictionary<string, string>(StringComparer.Ordinal) { ["err"] = err, ["description"] = description }, statusCode: status);
}
