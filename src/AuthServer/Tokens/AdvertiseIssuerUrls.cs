using AuthServer.Protocol;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// RFC 8414 §3.3 and OIDC Discovery §4.3: the discovery document's URLs belong to the configured issuer. OpenIddict builds
/// them from the request's Host header, so `Host: evil.example` would advertise evil.example's token endpoint under our
/// issuer, and a shared cache could keep that copy. With no issuer configured (Development only, see TokenServerOptions),
/// OpenIddict's request-based URLs stand.
/// </summary>
public sealed class AdvertiseIssuerUrls : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<AdvertiseIssuerUrls>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        if (context.Options.Issuer is not { } issuer)
        {
            return default;
        }

        var options = context.Options;
        context.AuthorizationEndpoint = At(issuer, options.AuthorizationEndpointUris);
        context.JsonWebKeySetEndpoint = At(issuer, options.JsonWebKeySetEndpointUris);
        context.DeviceAuthorizationEndpoint = At(issuer, options.DeviceAuthorizationEndpointUris);
        context.IntrospectionEndpoint = At(issuer, options.IntrospectionEndpointUris);
        context.EndSessionEndpoint = At(issuer, options.EndSessionEndpointUris);
        context.PushedAuthorizationEndpoint = At(issuer, options.PushedAuthorizationEndpointUris);
        context.RevocationEndpoint = At(issuer, options.RevocationEndpointUris);
        context.TokenEndpoint = At(issuer, options.TokenEndpointUris);
        context.UserInfoEndpoint = At(issuer, options.UserInfoEndpointUris);
        return default;
    }

    /// <summary>The first configured path, under the issuer's path (an issuer may have one: https://host/tenant/).</summary>
    private static Uri? At(Uri issuer, List<Uri> endpoints) => endpoints.Count == 0 ? null
        : endpoints[0].IsAbsoluteUri ? endpoints[0]
        : new Uri(issuer.AbsoluteUri.TrimEnd('/') + "/" + endpoints[0].OriginalString.TrimStart('/'), UriKind.Absolute);
}
