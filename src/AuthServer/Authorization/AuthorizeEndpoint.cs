using System.Globalization;
using System.Security.Claims;
using AuthServer.Login;
using AuthServer.Observability;
using AuthServer.Pages;
using AuthServer.Sessions;
using AuthServer.Tokens;
using AuthServer.Users;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Extensions;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Authorization;

/// <summary>
/// The authorization endpoint after OpenIddict has validated the request (client, exact redirect URI, response type,
/// scopes, PKCE S256). What is left here is the user: is there a fresh enough login session, and may they still sign in.
/// </summary>
public static class AuthorizeEndpoint
{
    public static IEndpointRouteBuilder MapAuthorizeEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Endpoints.Authorization, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext context, UserGate gate, PrincipalFactory principals, IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations, BrowserSessions sessions, TimeProvider clock, ILoggerFactory loggers)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        var session = await context.AuthenticateAsync(LoginSetup.Scheme);
        if (!session.Succeeded || MustSignInAgain(request) || IsTooOld(session.Principal, request.MaxAge, clock)
            || !await IsHintedUserAsync(context, request, session.Principal!))
        {
            // OIDC Core §3.1.2.6: prompt=none must never show a page.
            if (request.HasPromptValue(PromptValues.None))
            {
                return Reject(Errors.LoginRequired, "The user is not signed in.");
            }

            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = ReturnUrlAfterLogin(context) },
                [LoginSetup.Scheme]);
        }

        var sessionId = session.Principal!.GetClaim(BrowserSessions.SessionIdClaim)!;
        if (await gate.RecheckAsync(session.Principal!, context.RequestAborted) is not { } current)
        {
            // Locked out, deleted or password changed since the cookie was issued: end that session and ask again.
            await sessions.EndAsync(sessionId, "user-changed", context.RequestAborted);
            await context.SignOutAsync(LoginSetup.Scheme);
            return request.HasPromptValue(PromptValues.None)
                ? Reject(Errors.LoginRequired, "The user must sign in again.")
                : Results.Challenge(new AuthenticationProperties { RedirectUri = ReturnUrlAfterLogin(context) }, [LoginSetup.Scheme]);
        }

        var user = current.User;
        var application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("OpenIddict validated a client that cannot be found.");
        var applicationId = await applications.GetIdAsync(application)
            ?? throw new InvalidOperationException("OpenIddict validated a client without an id.");
        var principal = PrincipalFactory.WithAuthenticationTime(
            principals.ForUser(current, request.GetScopes()), session.Principal!.FindFirst(LoginSetup.AuthTimeClaim)?.Value);
        PrincipalFactory.WithSession(principal, sessionId);

        object? authorization;
        var explicitConsent = await applications.GetConsentTypeAsync(application) == ConsentTypes.Explicit;

        // OIDC Core §3.1.2.1: prompt=consent asks again even when consent was given before, and even for a client
        // that needs none (prompt=none with it is refused by OpenIddict).
        var askConsent = request.HasPromptValue(PromptValues.Consent);
        if (explicitConsent || askConsent)
        {
            authorization = askConsent ? null : await authorizations
                .FindAsync(user.Id, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, request.GetScopes())
                .FirstOrDefaultAsync();
            if (authorization is null)
            {
                var decision = await ConsentDecisionAsync(context);
                if (decision is null)
                {
                    // OIDC Core §3.1.2.6: prompt=none cannot show the consent screen.
                    return request.HasPromptValue(PromptValues.None)
                        ? Reject(Errors.ConsentRequired, "The user has not consented to this client.")
                        : ConsentPage.Render(context.Request, await applications.GetDisplayNameAsync(application) ?? request.ClientId!, request.GetScopes());
                }

                if (decision != ConsentPage.Accept)
                {
                    return Reject(Errors.AccessDenied, "The user denied access.");
                }

                // Remembered: the next request for the same scopes needs no screen until the user signs out of this client.
                authorization = await authorizations.CreateAsync(
                    principal, user.Id, applicationId, explicitConsent ? AuthorizationTypes.Permanent : AuthorizationTypes.AdHoc, principal.GetScopes());
            }
        }
        else
        {
            // Created here rather than by OpenIddict so that it can be tied to the browser session: ending the session revokes it.
            authorization = await authorizations.CreateAsync(principal, user.Id, applicationId, AuthorizationTypes.AdHoc, principal.GetScopes());
        }

        var authorizationId = await authorizations.GetIdAsync(authorization);
        principal.SetAuthorizationId(authorizationId);
        if (!await sessions.AttachAsync(sessionId, authorizationId!, request.ClientId!, context.RequestAborted))
        {
            // The session was ended (revoked, logged out) while this request was under way: no code from it.
            await context.SignOutAsync(LoginSetup.Scheme);
            return Reject(Errors.LoginRequired, "The session has ended.");
        }

        var logger = loggers.CreateLogger(typeof(AuthorizeEndpoint));
        Audit.TokenIssued(logger, ResponseTypes.Code, request.ClientId, user.Id);
        return Results.SignIn(principal, properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The user's answer on the consent screen: only from a same-site form post (antiforgery), never from a link.</summary>
    private static async Task<string?> ConsentDecisionAsync(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType
        && context.Request.Form[ConsentPage.DecisionField].ToString() is { Length: > 0 } decision
        && await context.IsAnswerFromOurPageAsync()
            ? decision
            : null;

    /// <summary>
    /// OIDC Core §3.1.2.1: an id_token_hint names the user the client expects. A hint that does not validate, or names
    /// someone other than the signed-in user, must not yield a code for the signed-in user.
    /// </summary>
    private static async Task<bool> IsHintedUserAsync(HttpContext context, OpenIddictRequest request, ClaimsPrincipal signedIn)
    {
        if (request.IdTokenHint is null)
        {
            return true;
        }

        var hint = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        return hint?.GetClaim(Claims.Subject) is { } subject && subject == signedIn.GetClaim(Claims.Subject);
    }

    /// <summary>
    /// prompt=login, prompt=select_account (one account per session here, so choosing one is signing in) and
    /// max_age=0 (OIDC Core §3.1.2.1: no authentication is recent enough) all ask for a fresh login.
    /// </summary>
    private static bool MustSignInAgain(OpenIddictRequest request) =>
        request.HasPromptValue(PromptValues.Login) || request.HasPromptValue(PromptValues.SelectAccount) || request.MaxAge == 0;

    private static bool IsTooOld(ClaimsPrincipal? principal, long? maxAge, TimeProvider clock) =>
        maxAge is { } seconds
        && (!long.TryParse(principal?.FindFirst(LoginSetup.AuthTimeClaim)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var authTime)
            || clock.GetUtcNow().ToUnixTimeSeconds() - authTime > seconds);

    /// <summary>
    /// The same authorization request, minus what forced the login (prompt=login or select_account, max_age): once the
    /// user has just signed in, replaying those would send them straight back to the login page. Other prompt values
    /// (consent) are kept.
    /// </summary>
    private static string ReturnUrlAfterLogin(HttpContext context)
    {
        var source = context.Request.HasFormContentType
            ? context.Request.Form.Select(pair => (pair.Key, pair.Value))
            : context.Request.Query.Select(pair => (pair.Key, pair.Value));
        var query = new QueryBuilder();
        foreach (var (key, values) in source)
        {
            if (key is Parameters.MaxAge)
            {
                continue;
            }

            if (key is Parameters.Prompt)
            {
                var kept = values.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Where(value => value is not (PromptValues.Login or PromptValues.SelectAccount));
                if (string.Join(' ', kept) is { Length: > 0 } prompt)
                {
                    query.Add(key, prompt);
                }

                continue;
            }

            foreach (var value in values)
            {
                query.Add(key, value ?? "");
            }
        }

        return context.Request.PathBase + context.Request.Path + query.ToQueryString();
    }

    private static IResult Reject(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
