using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Authorization;

/// <summary>
/// An `id_token_hint` at the end-session endpoint names who is signing out; it is not a grant. OpenIddict (7.9) refuses a
/// hint whose authorization was revoked, which is exactly what a careful client does first (the BFF revokes its refresh
/// token, and with it the chain, then sends the user to log out). The hint still needs a valid signature, issuer and
/// audience, and ending a session still needs the browser's own session (EndSessionEndpoint).
/// </summary>
public sealed class HintOutlivesItsChain : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<HintOutlivesItsChain>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Protection.ValidateAuthorizationEntry.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.EndpointType == OpenIddictServerEndpointType.EndSession && context.Principal?.HasTokenType(TokenTypeIdentifiers.IdentityToken) == true)
        {
            context.AuthorizationId = null;
        }

        return default;
    }
}
