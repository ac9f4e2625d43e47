using AuthServer.Protocol;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.BackchannelLogout;

/// <summary>Back-Channel Logout 1.0 §2.1: the discovery document says the server sends logout tokens, with `sid`.</summary>
public sealed class AdvertiseBackchannelLogout : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<AdvertiseBackchannelLogout>()
        .SetOrder(HandlerOrder.WellAfter(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata["backchannel_logout_supported"] = true;
        context.Metadata["backchannel_logout_session_supported"] = true;
        return default;
    }
}
