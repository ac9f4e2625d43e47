using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// RFC 6749 §4.1.2.1: once the client and its redirect URI are known good, an authorization error goes back to that
/// URI with <c>error</c>, <c>error_description</c> and <c>state</c> (and <c>iss</c>, RFC 9207), not to a page on this
/// server. OpenIddict only redirects when the whole validation succeeded, so a refusal raised before or after its own
/// redirect URI check (<c>request=</c>, <c>response_type=token</c>, <c>code_challenge_method=plain</c>, an unknown
/// scope, an oversized parameter) would otherwise be a local error page.
/// The URI is checked here again, against the client's registration, whatever the refusal: an unknown client, a
/// missing, repeated or unregistered redirect URI still gets the local error page and no redirect.
/// </summary>
public sealed class AuthorizationErrorRedirect(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
{
    /// <summary>After OpenIddict has (not) attached the redirect URI and inferred the response mode, before the state and issuer are added.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
        .UseScopedHandler<AuthorizationErrorRedirect>()
        .SetOrder(HandlerOrder.JustAfter(OpenIddictServerHandlers.Authentication.InferResponseMode.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
    {
        if (!string.IsNullOrEmpty(context.RedirectUri) || string.IsNullOrEmpty(context.Response.Error) || context.Request is not { } request
            || Single(request, Parameters.ClientId) is not { Length: > 0 } clientId
            || Single(request, Parameters.RedirectUri) is not { Length: > 0 } redirectUri
            || !Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Fragment) || uri.IsFile
            || await applications.FindByClientIdAsync(clientId, context.CancellationToken) is not { } application
            || !await applications.ValidateRedirectUriAsync(application, redirectUri, context.CancellationToken))
        {
            return;
        }

        context.RedirectUri = redirectUri;

        // The refusal may be of the response_mode itself: only a mode this server answers in is honoured.
        var mode = Single(request, Parameters.ResponseMode);
        context.ResponseMode = mode is ResponseModes.Query or ResponseModes.Fragment or ResponseModes.FormPost ? mode
            : request.IsFragmentResponseMode() ? ResponseModes.Fragment
            : ResponseModes.Query;
    }

    /// <summary>
    /// After OpenIddict echoes the state: one refused for its size is left out, or the redirect would carry the same
    /// oversized URL to the client (the client cannot match the error to its request either way).
    /// </summary>
    public static OpenIddictServerHandlerDescriptor OversizedStateDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
        .UseSingletonHandler<DropOversizedState>()
        .SetOrder(HandlerOrder.JustAfter(OpenIddictServerHandlers.Authentication.AttachResponseState.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public sealed class DropOversizedState : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
    {
        public ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
        {
            if (context.Response.State is { Length: > AuthorizationParameterChecks.MaxParameterLength })
            {
                context.Response.State = null;
            }

            return default;
        }
    }

    /// <summary>The parameter's value when it is given exactly once; a repeated one cannot be trusted either way.</summary>
    private static string? Single(OpenIddictRequest request, string name) =>
        request.GetParameter(name) is { } value && value.Count <= 1 ? (string?)value : null;
}
