using AuthServer.Clients;
using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// RFC 9068 §2.2 and RFC 8707 §2: an access token's audience is the resources of the scopes granted to it, nothing more.
/// OpenIddict copies every internal claim the new principal lacks from the refresh token or code it redeems, so a
/// refresh narrowed to scopes without resources (`openid`, `offline_access`) would keep the original audiences and
/// reach APIs the client just gave up. Recomputed after that copy, at every token-endpoint sign-in.
/// </summary>
public sealed class AudiencesFollowScopes(ScopeCatalog catalog) : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .UseSingletonHandler<AudiencesFollowScopes>()
        .SetOrder(HandlerOrder.JustAfter(OpenIddictServerHandlers.InferResources.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.EndpointType == OpenIddictServerEndpointType.Token && context.Principal is { } principal)
        {
            principal.SetResources([.. catalog.ResourcesFor(principal.GetScopes())]);
        }

        return default;
    }
}
