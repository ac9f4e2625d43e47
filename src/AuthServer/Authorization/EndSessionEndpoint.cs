using AuthServer.Login;
using AuthServer.Observability;
using AuthServer.Pages;
using AuthServer.Sessions;
using AuthServer.Tokens;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Authorization;

/// <summary>
/// OIDC RP-Initiated Logout 1.0. Ending a session is a state change a cross-site link must not cause (§2, §6): a valid
/// id_token_hint for this browser's own session ends it at once; otherwise the user is asked, and only the
/// confirmation's antiforgery-checked POST ends this browser's session. A hint never ends a session by itself: ID tokens
/// reach every relying party (and sometimes logs), and §2 requires asking when the hint is not the current session's.
/// Ending a session revokes what was issued inside it (decision 008).
/// </summary>
public static class EndSessionEndpoint
{
    public const string ConfirmField = "confirm";

    public static IEndpointRouteBuilder MapEndSessionEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Endpoints.EndSession, [HttpMethods.Get, HttpMethods.Post], EndSessionAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> EndSessionAsync(HttpContext context, BrowserSessions sessions, ILoggerFactory loggers)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");
        var cookie = (await context.AuthenticateAsync(LoginSetup.Scheme)).Principal;
        var logger = loggers.CreateLogger(typeof(EndSessionEndpoint));

        if (request.IdTokenHint is not null)
        {
            // OpenIddict checks the hint's signature and issuer (an expired hint is accepted, as §2 allows); the audience is checked here.
            var hint = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            if (hint?.GetClaim(Claims.Subject) is not { } subject
                || (request.ClientId is { } clientId && !hint.GetAudiences().Contains(clientId, StringComparer.Ordinal)))
            {
                return LogoutPages.Error(StatusCodes.Status400BadRequest, "The logout request names a session this server cannot confirm.");
            }

            // The hint is this browser's session only when the cookie names the same user and (if the hint has one) the same sid.
            if (cookie?.GetClaim(Claims.Subject) == subject
                && hint.GetClaim(BrowserSessions.SessionIdClaim) is var hinted
                && (hinted is null || hinted == cookie.GetClaim(BrowserSessions.SessionIdClaim)))
            {
                await EndAsync(context, sessions, logger, subject, cookie.GetClaim(BrowserSessions.SessionIdClaim), signOutCookie: true);
                return Finish(request);
            }
        }

        var confirmed = HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType && context.Request.Form[ConfirmField] == "yes";
        if (cookie?.GetClaim(Claims.Subject) is not { } signedIn)
        {
            // A cross-site POST leaves the Lax cookie behind: with a valid hint, ask, and our own (same-site) form brings the
            // cookie if this browser has a session. Otherwise nothing to end: only the redirect OpenIddict has already checked.
            return request.IdTokenHint is not null && !confirmed ? LogoutPages.Confirm(context.Request) : Finish(request);
        }

        if (!confirmed)
        {
            return LogoutPages.Confirm(context.Request);
        }

        if (!await context.IsAnswerFromOurPageAsync())
        {
            return LogoutPages.Error(StatusCodes.Status400BadRequest, "The sign-out form expired or did not come from this site. Nothing was ended.");
        }

        await EndAsync(context, sessions, logger, signedIn, cookie.GetClaim(BrowserSessions.SessionIdClaim), signOutCookie: true);
        return Finish(request);
    }

    private static async Task EndAsync(HttpContext context, BrowserSessions sessions, ILogger logger, string subject, string? sessionId, bool signOutCookie)
    {
        var revoked = sessionId is null ? 0 : (await sessions.EndAsync(sessionId, "logout", context.RequestAborted)).Tokens;
        if (signOutCookie)
        {
            await context.SignOutAsync(LoginSetup.Scheme);
        }

        Audit.SessionEnded(logger, subject, sessionId ?? "none", revoked);
    }

    /// <summary>OpenIddict redirects only to a post_logout_redirect_uri registered for the client, with the state appended.</summary>
    private static IResult Finish(OpenIddictRequest request) => request.PostLogoutRedirectUri is null
        ? LogoutPages.SignedOut()
        : Results.SignOut(properties: null, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
