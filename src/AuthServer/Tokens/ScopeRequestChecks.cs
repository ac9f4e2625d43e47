using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// RFC 6749 §5.2: a requested scope that "exceeds the scope granted by the resource owner", or that the client may not
/// use, is `invalid_scope`. OpenIddict refuses both but names them `invalid_grant` (a wider refresh, RFC 6749 §6) and
/// `invalid_request` (a scope outside the client's permissions); these checks run just before its own and answer first.
/// </summary>
public static class ScopeRequestChecks
{
    public static OpenIddictServerHandlerDescriptor ClientMayUseDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseScopedHandler<ClientMayUse>()
        .SetOrder(OpenIddictServerHandlers.Exchange.ValidateScopePermissions.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor NoWiderThanGrantedDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseSingletonHandler<NoWiderThanGranted>()
        .SetOrder(OpenIddictServerHandlers.Exchange.ValidateGrantedScopes.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>Same rule as OpenIddict's: `openid` and `offline_access` are protocol scopes, checked elsewhere.</summary>
    public sealed class ClientMayUse(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (string.IsNullOrEmpty(context.ClientId) || await applications.FindByClientIdAsync(context.ClientId) is not { } application)
            {
                return;
            }

            foreach (var scope in context.Request.GetScopes())
            {
                if (scope is not (Scopes.OpenId or Scopes.OfflineAccess)
                    && !await applications.HasPermissionAsync(application, Permissions.Prefixes.Scope + scope))
                {
                    context.Reject(Errors.InvalidScope, "The client is not allowed to request this scope.");
                    return;
                }
            }
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
