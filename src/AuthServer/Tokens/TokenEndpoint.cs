using System.Collections.Immutable;
using AuthServer.Observability;
using AuthServer.Sessions;
using AuthServer.Throttling;
using AuthServer.Users;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Tokens;

/// <summary>
/// The token endpoint after OpenIddict has validated the request (client, secret, grant permission,
/// scopes, and for refresh tokens and codes: signature and expiry; for codes also revocation and replay, which for
/// refresh tokens Refresh/RefreshGrant decides at the end of the sign-in). What is left here is the user: who they
/// are, and whether they may still have tokens.
/// </summary>
public static class TokenEndpoint
{
    private const string InvalidCredentials = "The user name or password is invalid.";

    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost(Endpoints.Token, ExchangeAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ExchangeAsync(HttpContext context, UserGate gate, PrincipalFactory principals, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(TokenEndpoint));
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        if (request.IsPasswordGrantType())
        {
            var attempt = new SignInAttempt(request.Username ?? "", request.Password ?? "", request.ClientId, SourceAddress.Of(context));
            var signIn = await gate.CheckPasswordAsync(attempt, context.RequestAborted);
            if (signIn.IsThrottled)
            {
                return TooManyRequests.OAuthError(context.Response, signIn.RetryAfter);
            }

            // One message for every other failure: the response must not reveal whether an account exists or is locked.
            return signIn.Succeeded
                ? IssueGranted(logger, request, request.GetScopes(), await principals.ForUserAsync(signIn.User!, request.GetScopes()))
                : Reject(Errors.InvalidGrant, InvalidCredentials);
        }

        if (request.IsRefreshTokenGrantType() || request.IsAuthorizationCodeGrantType())
        {
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            if (result.Principal is not { } previous || await gate.RecheckAsync(previous, context.RequestAborted) is not { } current)
            {
                Audit.RefreshRefused(logger, result.Principal?.GetClaim(Claims.Subject), request.ClientId);
                return Reject(Errors.InvalidGrant, "The token is no longer valid.");
            }

            // RFC 6749 §6: a refresh may narrow the scopes (OpenIddict refuses wider ones); otherwise the original grant stands.
            var scopes = request.GetScopes() is { IsEmpty: false } narrowed ? narrowed : previous.GetScopes();
            var principal = principals.ForUser(current, scopes);
            PrincipalFactory.WithSession(principal, previous.GetClaim(BrowserSessions.SessionIdClaim));
            return IssueGranted(logger, request, scopes, PrincipalFactory.WithAuthenticationTime(principal, previous.GetClaim(Claims.AuthenticationTime)));
        }

        if (request.IsClientCredentialsGrantType())
        {
            return Issue(logger, request, principals.ForClient(request.ClientId!, request.GetScopes()));
        }

        return Reject(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    /// <summary>
    /// RFC 6749 §5.1 has the response name the granted scope when it differs from the request (OpenIddict does), but a
    /// scope value has at least one token (§3.3): when none of what was asked for can be granted (bob asking only for
    /// `ops`, or a refresh after the role behind every held scope was removed) the request fails with `invalid_scope`.
    /// Issuing would also let OpenIddict carry the redeemed token's scopes over to a principal that has none.
    /// </summary>
    private static IResult IssueGranted(ILogger logger, OpenIddictRequest request, ImmutableArray<string> asked, System.Security.Claims.ClaimsPrincipal principal) =>
        !asked.IsDefaultOrEmpty && principal.GetScopes().IsEmpty
            ? Reject(Errors.InvalidScope, "None of the requested scopes can be granted.")
            : Issue(logger, request, principal);

    private static IResult Issue(ILogger logger, OpenIddictRequest request, System.Security.Claims.ClaimsPrincipal principal)
    {
        var subject = principal.GetClaim(Claims.Subject)!;
        Audit.TokenIssued(logger, request.GrantType!, request.ClientId, subject);
        return Results.SignIn(principal, properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Reject(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
