using System.Collections.Immutable;
using System.Security.Claims;
using AuthServer.Clients;
using AuthServer.Persistence;
using AuthServer.Users;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Tokens;

/// <summary>
/// Builds the identity that OpenIddict turns into tokens. Access tokens carry only what resource
/// servers need (sub, client, scope, audience, roles); profile data goes to the identity token.
/// </summary>
public sealed class PrincipalFactory(UserGate gate, ScopeCatalog catalog)
{
    private const string AuthenticationType = "AuthServer";

    public async Task<ClaimsPrincipal> ForUserAsync(IdentityUser user, ImmutableArray<string> scopes) =>
        ForUser(new UserWithRoles(user, [.. await gate.GetRolesAsync(user)]), scopes);

    public ClaimsPrincipal ForUser(UserWithRoles current, ImmutableArray<string> scopes)
    {
        var (user, roles, _) = current;
        var identity = new ClaimsIdentity(AuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.Name, user.UserName)
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(UserGate.SecurityStampClaim, user.SecurityStamp)
            .SetClaims(Claims.Role, [.. roles]);

        return Finish(identity, [.. catalog.GrantableTo(scopes, roles)]);
    }

    /// <summary>OIDC Core §2: when the user last typed a password, for the identity token (clients check max_age with it).</summary>
    public static ClaimsPrincipal WithAuthenticationTime(ClaimsPrincipal principal, string? authTime)
    {
        if (authTime is not null)
        {
            var claim = new Claim(Claims.AuthenticationTime, authTime, ClaimValueTypes.Integer64);
            ((ClaimsIdentity)principal.Identity!).AddClaim(claim.SetDestinations(Destinations.IdentityToken));
        }

        return principal;
    }

    /// <summary>
    /// The browser session the grant was issued in (OIDC Back-Channel Logout §2.4): in the identity token, and in the
    /// access token so resource servers can act on a session's end. Kept inside codes and refresh tokens, so it carries over.
    /// </summary>
    public static ClaimsPrincipal WithSession(ClaimsPrincipal principal, string? sessionId)
    {
        if (sessionId is not null)
        {
            var claim = new Claim(Sessions.BrowserSessions.SessionIdClaim, sessionId);
            ((ClaimsIdentity)principal.Identity!).AddClaim(claim.SetDestinations(Destinations.AccessToken, Destinations.IdentityToken));
        }

        return principal;
    }

    /// <summary>RFC 9068 §2.2: with no user involved, the subject is the client itself.</summary>
    public ClaimsPrincipal ForClient(string clientId, ImmutableArray<string> scopes)
    {
        var identity = new ClaimsIdentity(AuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, clientId);
        return Finish(identity, scopes);
    }

    private ClaimsPrincipal Finish(ClaimsIdentity identity, ImmutableArray<string> scopes)
    {
        identity.SetScopes(scopes);
        identity.SetResources(catalog.ResourcesFor(scopes));
        identity.SetDestinations(claim => DestinationsOf(claim, scopes));
        return new ClaimsPrincipal(identity);
    }

    private static IEnumerable<string> DestinationsOf(Claim claim, ImmutableArray<string> scopes) => claim.Type switch
    {
        Claims.Name when scopes.Contains(Scopes.Profile) => [Destinations.IdentityToken],
        Claims.Email when scopes.Contains(Scopes.Email) => [Destinations.IdentityToken],
        Claims.Role when scopes.Contains(Scopes.Roles) => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.Role => [Destinations.AccessToken],

        // No destination (the security stamp among them): kept inside refresh tokens and codes, never shown to a client.
        _ => [],
    };
}
