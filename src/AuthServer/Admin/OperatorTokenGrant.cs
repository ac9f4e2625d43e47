using AuthServer.Protocol;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Admin;

/// <summary>
/// A user's token with the operator scope always belongs to a grant row, even from the password grant without
/// `offline_access`, where OpenIddict makes none: revoking the user (password reset, revoke-tokens), the client or that
/// grant then reaches the token at the admin API's next request (<see cref="CallerRecheck"/>), which refuses user tokens
/// without one. Only operators' sign-ins pay the extra row.
/// </summary>
public sealed class OperatorTokenGrant(IOpenIddictAuthorizationManager authorizations, IOpenIddictApplicationManager applications, IOptions<AdminOptions> admin)
    : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .UseScopedHandler<OperatorTokenGrant>()
        // Before OpenIddict's own: it then sees the id and makes no second row, and the access token carries it (oi_au_id).
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.AttachAuthorization.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.Principal is not { } principal
            || !context.GenerateAccessToken || context.GenerateAuthorizationCode || context.GenerateRefreshToken
            || context.Request.IsClientCredentialsGrantType()
            || !principal.HasScope(admin.Value.Scope)
            || principal.GetAuthorizationId() is not null
            || principal.GetClaim(Claims.Subject) is not { } subject
            || context.Request.ClientId is not { } clientId
            || await applications.FindByClientIdAsync(clientId, context.CancellationToken) is not { } application
            || await applications.GetIdAsync(application, context.CancellationToken) is not { } applicationId)
        {
            return;
        }

        var authorization = await authorizations.CreateAsync(
            principal, subject, applicationId, AuthorizationTypes.AdHoc, principal.GetScopes(), context.CancellationToken);
        principal.SetAuthorizationId(await authorizations.GetIdAsync(authorization, context.CancellationToken));
    }
}
