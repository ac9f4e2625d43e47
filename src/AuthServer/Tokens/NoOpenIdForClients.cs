using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// OIDC Core §2: an identity token asserts that an end user signed in, and client credentials involve none, so `openid`
/// is refused for that grant (RFC 6749 §5.2 invalid_scope). OpenIddict exempts `openid` from its scope permissions
/// check, which is why not registering the scope for a client is not enough.
/// </summary>
public sealed class NoOpenIdForClients : IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseSingletonHandler<NoOpenIdForClients>()
        .SetOrder(HandlerOrder.JustAfter(OpenIddictServerHandlers.Exchange.ValidateScopePermissions.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        if (context.Request.IsClientCredentialsGrantType() && context.Request.HasScope(Scopes.OpenId))
        {
            context.Reject(Errors.InvalidScope, "The 'openid' scope needs an end user; client credentials have none.");
        }

        return default;
    }
}
