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
            return Results.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The access token's user no longer exists.",
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
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
}
