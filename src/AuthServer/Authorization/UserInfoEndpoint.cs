using AuthServer.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Authorization;

/// <summary>OIDC Core §5.3: claims about the user behind an access token, limited to the scopes that token carries.</summary>
public static class UserInfoEndpoint
{
    public static IEndpointRouteBuilder MapUserInfoEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Endpoints.UserInfo, [HttpMethods.Get, HttpMethods.Post], UserInfoAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> UserInfoAsync(HttpContext context, UserManager<IdentityUser> users)
    {
        // OpenIddict has already validated the bearer access token (signature, issuer, expiry) for this endpoint.
        var token = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (token?.GetClaim(Claims.Subject) is not { } subject || await users.FindByIdAsync(subject) is not { } user)
        {
            return InvalidToken("The access token's user no longer exists.");
        }

        // An operator's lock ends what the user may learn about themselves, as it ends their refresh tokens (UserGate).
        if (await users.IsLockedOutAsync(user))
        {
            return InvalidToken("The access token's user is locked out.");
        }

        // OIDC Core §5.3: userinfo answers tokens issued for an OpenID Connect sign-in only; RFC 6750 §3.1 names the refusal.
        if (!token.HasScope(Scopes.OpenId))
        {
            return new InsufficientScope(Scopes.OpenId);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id };
        if (token.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.UserName ?? user.Id;
            claims[Claims.PreferredUsername] = user.UserName ?? user.Id;
        }

        if (token.HasScope(Scopes.Email) && user.Email is not null)
        {
            claims[Claims.Email] = user.Email;
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }

        return TypedResults.Ok(claims);
    }

    private static IResult InvalidToken(string description) => Results.Challenge(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>403 with the scope the token lacks, in WWW-Authenticate (RFC 6750 §3) and in the JSON body alike.</summary>
    private sealed class InsufficientScope(string scope) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            const string Description = "The access token was not issued for an OpenID Connect sign-in (no openid scope).";
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status403Forbidden;
            response.Headers.CacheControl = "no-store";
            response.Headers.WWWAuthenticate = $"Bearer error=\"{Errors.InsufficientScope}\", error_description=\"{Description}\", scope=\"{scope}\"";
            return response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                ["error"] = Errors.InsufficientScope,
                ["error_description"] = Description,
                ["scope"] = scope,
            });
        }
    }
}
