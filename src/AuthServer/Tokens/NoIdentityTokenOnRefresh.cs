using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// OpenID Connect Core §12.2: a refresh response "might not contain an id_token". The client already holds one
/// from sign-in; skipping it saves an RSA signature and half the response on the busiest grant.
/// </summary>
public sealed class NoIdentityTokenOnRefresh : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .UseSingletonHandler<NoIdentityTokenOnRefresh>()
        .SetOrder(HandlerOrder.JustAfter(OpenIddictServerHandlers.EvaluateGeneratedTokens.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.EndpointType == OpenIddictServerEndpointType.Token && context.Request.IsRefreshTokenGrantType())
        {
            (context.GenerateIdentityToken, context.IncludeIdentityToken) = (false, false);
        }

        return default;
    }
}
