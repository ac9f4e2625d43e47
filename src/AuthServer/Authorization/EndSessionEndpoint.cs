using AuthServer.Login;
using AuthServer.Observability;
using AuthServer.Tokens;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Authorization;

/// <summary>
/// OIDC RP-initiated logout. A session here is one user at one client: ending it removes the login cookie and
/// revokes that user's authorizations at that client with every refresh token issued under them (docs/decisions/004).
/// </summary>
public static class EndSessionEndpoint
{
    public static IEndpointRouteBuilder MapEndSessionEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Endpoints.EndSession, [HttpMethods.Get, HttpMethods.Post], EndSessionAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> EndSessionAsync(
        HttpContext context, IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations, IOpenIddictTokenManager tokens, ILoggerFactory loggers)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        // OpenIddict has already validated id_token_hint (signature, issuer) and the post_logout_redirect_uri against the client.
        var hint = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        var session = (await context.AuthenticateAsync(LoginSetup.Scheme)).Principal;
        var subject = session?.GetClaim(Claims.Subject) ?? hint?.GetClaim(Claims.Subject);
        var clientId = request.ClientId ?? hint?.GetAudiences().FirstOrDefault();

        await context.SignOutAsync(LoginSetup.Scheme);

        if (subject is not null && clientId is not null
            && await applications.FindByClientIdAsync(clientId) is { } application
            && await applications.GetIdAsync(application) is { } applicationId)
        {
            var revoked = 0L;
            await foreach (var authorization in authorizations.FindAsync(subject, applicationId, status: null, type: null, scopes: null))
            {
                var id = await authorizations.GetIdAsync(authorization);
                await authorizations.TryRevokeAsync(authorization);
                revoked += id is null ? 0 : await tokens.RevokeByAuthorizationIdAsync(id);
            }

            var logger = loggers.CreateLogger(typeof(EndSessionEndpoint));
            Audit.SessionEnded(logger, subject, clientId, revoked);
        }

        if (request.PostLogoutRedirectUri is null)
        {
            return TypedResults.Content(SignedOutPage, "text/html; charset=utf-8");
        }

        // OpenIddict redirects only to a post_logout_redirect_uri registered for the client, with the state appended.
        return Results.SignOut(properties: null, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private const string SignedOutPage = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Signed out</title>
        <style>body { font-family: system-ui, sans-serif; display: grid; place-items: center; min-height: 100vh; margin: 0; }</style></head>
        <body><main><h1>You are signed out</h1><p>You can close this window.</p></main></body></html>
        """;
}
