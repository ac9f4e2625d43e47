using AuthServer.Protocol;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once." Which of two `scope` or
/// `state` values would count is otherwise up to each component that reads them. RFC 8707's `resource` (and its
/// `audience` sibling) may repeat by definition.
/// </summary>
public sealed class SingleValuedParameters<TContext> : IOpenIddictServerHandler<TContext> where TContext : BaseValidatingContext
{
    public ValueTask HandleAsync(TContext context)
    {
        if (context.Transaction.Request is not { } request)
        {
            return default;
        }

        foreach (var (name, value) in request.GetParameters())
        {
            // The name is not echoed: it is the caller's text.
            if (value.Count > 1 && name is not (Parameters.Resource or Parameters.Audience))
            {
                context.Reject(Errors.InvalidRequest, "A parameter is included more than once (RFC 6749 §3.1).");
                return default;
            }
        }

        return default;
    }
}

/// <summary>Right after the ASP.NET Core host has read the parameters, before anything acts on them.</summary>
public static class SingleValuedParametersSetup
{
    public static OpenIddictServerHandlerDescriptor Token { get; } =
        Descriptor<ExtractTokenRequestContext>(OpenIddictServerAspNetCoreHandlers.ExtractPostRequest<ExtractTokenRequestContext>.Descriptor);

    public static OpenIddictServerHandlerDescriptor Revocation { get; } =
        Descriptor<ExtractRevocationRequestContext>(OpenIddictServerAspNetCoreHandlers.ExtractPostRequest<ExtractRevocationRequestContext>.Descriptor);

    public static OpenIddictServerHandlerDescriptor Authorization { get; } =
        Descriptor<ExtractAuthorizationRequestContext>(OpenIddictServerAspNetCoreHandlers.ExtractGetOrPostRequest<ExtractAuthorizationRequestContext>.Descriptor);

    public static OpenIddictServerHandlerDescriptor EndSession { get; } =
        Descriptor<ExtractEndSessionRequestContext>(OpenIddictServerAspNetCoreHandlers.ExtractGetOrPostRequest<ExtractEndSessionRequestContext>.Descriptor);

    private static OpenIddictServerHandlerDescriptor Descriptor<TContext>(OpenIddictServerHandlerDescriptor reader) where TContext : BaseValidatingContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<SingleValuedParameters<TContext>>()
            .SetOrder(HandlerOrder.JustAfter(reader))
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();
}
