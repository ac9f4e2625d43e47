using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// RFC 6749 §5.2: a requested scope that "exceeds the scope granted by the resource owner", or that the client may not
/// use, is `invalid_scope`. OpenIddict refuses both but names them `invalid_grant` (a wider refresh, RFC 6749 §6) and
/// `invalid_request` (a scope outside the client's permissions); these checks run just before its own and answer first (at the token and the authorization endpoint).
/// </summary>
public static class ScopeRequestChecks
{
    public static OpenIddictServerHandlerDescriptor ClientMayUseDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseScopedHandler<ClientMayUse>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Exchange.ValidateScopePermissions.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>The same rule at the authorization endpoint, whose refusal then goes back to the client (RFC 6749 §4.1.2.1).</summary>
    public static OpenIddictServerHandlerDescriptor ClientMayUseAtAuthorizationDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
        .UseScopedHandler<ClientMayUse>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Authentication.ValidateScopePermissions.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor NoWiderThanGrantedDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseSingletonHandler<NoWiderThanGranted>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Exchange.ValidateGrantedScopes.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>Same rule as OpenIddict's: `openid` and `offline_access` are protocol scopes, checked elsewhere.</summary>
    public sealed class ClientMayUse(IOpenIddictApplicationManager applications)
        : IOpenIddictServerHandler<ValidateTokenRequestContext>, IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (!await MayUseAsync(context.ClientId, context.Request))
            {
                context.Reject(Errors.InvalidScope, "The client is not allowed to request this scope.");
            }
        }

        public async ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            if (!await MayUseAsync(context.ClientId, context.Request))
            {
                context.Reject(Errors.InvalidScope, "The client is not allowed to request this scope.");
            }
        }

        /// <summary>True for an unknown client: OpenIddict's own checks refuse that one in its words.</summary>
        private async ValueTask<bool> MayUseAsync(string? clientId, OpenIddictRequest request)
        {
            if (string.IsNullOrEmpty(clientId) || await applications.FindByClientIdAsync(clientId) is not { } application)
            {
                return true;
            }

            foreach (var scope in request.GetScopes())
            {
                if (scope is not (Scopes.OpenId or Scopes.OfflineAccess)
                    && !await applications.HasPermissionAsync(application, Permissions.Prefixes.Scope + scope))
                {
                    return false;
                }
            }

            return true;
        }
    }

    public sealed class NoWiderThanGranted : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (context.Request.IsRefreshTokenGrantType() && !string.IsNullOrEmpty(context.Request.Scope) && context.RefreshTokenPrincipal is { } principal
                && !principal.GetScopes().ToHashSet(StringComparer.Ordinal).IsSupersetOf(context.Request.GetScopes()))
            {
                context.Reject(Errors.InvalidScope, "The requested scope exceeds the scope originally granted.");
            }

            return default;
        }
    }
}
