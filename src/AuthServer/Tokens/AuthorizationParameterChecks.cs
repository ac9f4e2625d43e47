using System.Text;
using AuthServer.Protocol;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// What OpenIddict lets through at the authorization endpoint and this server cannot honour: a parameter of many KB
/// (the request is carried, escaped once more, in the login page's return URL, which the server then answers with
/// 414), and a <c>max_age</c> that is not a non-negative integer (OIDC Core §3.1.2.1), which would otherwise be ignored.
/// Both are refused with invalid_request, at the client's redirect URI when it is known good (AuthorizationErrorRedirect).
/// </summary>
public static class AuthorizationParameterChecks
{
    /// <summary>Longest value of any one parameter; an id_token_hint, the largest legitimate one, is one or two KB.</summary>
    public const int MaxParameterLength = 2048;

    /// <summary>
    /// Longest request as the login page's return URL carries it (escaped twice), so the URL the browser is sent to
    /// stays well inside the 8 KB request line servers accept.
    /// </summary>
    public const int MaxCarriedLength = 6144;

    private const int MaxAgeDigits = 10;

    /// <summary>Right after the ASP.NET Core host has read the parameters and refused repeated ones, before anything acts on them.</summary>
    public static OpenIddictServerHandlerDescriptor SizeDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ExtractAuthorizationRequestContext>()
        .UseSingletonHandler<BoundedSize>()
        .SetOrder(HandlerOrder.JustAfter(SingleValuedParametersSetup.Authorization))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>Next to OpenIddict's own prompt check.</summary>
    public static OpenIddictServerHandlerDescriptor MaxAgeDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
        .UseSingletonHandler<WellFormedMaxAge>()
        .SetOrder(HandlerOrder.JustAfter(OpenIddictServerHandlers.Authentication.ValidatePromptParameter.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public sealed class BoundedSize : IOpenIddictServerHandler<ExtractAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ExtractAuthorizationRequestContext context)
        {
            if (context.Request is not { } request)
            {
                return default;
            }

            var query = new StringBuilder();
            foreach (var (name, value) in request.GetParameters())
            {
                var text = value.Count <= 1 ? (string?)value ?? "" : value.ToString() ?? "";

                // The name is not echoed: it is the caller's text.
                if (name.Length > MaxParameterLength || text.Length > MaxParameterLength)
                {
                    context.Reject(Errors.InvalidRequest, $"A parameter is longer than {MaxParameterLength} characters.");
                    return default;
                }

                query.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(text));
            }

            if (Uri.EscapeDataString(query.ToString()).Length > MaxCarriedLength)
            {
                context.Reject(Errors.InvalidRequest, "The authorization request is too large.");
            }

            return default;
        }
    }

    public sealed class WellFormedMaxAge : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            if (context.Request.GetParameter(Parameters.MaxAge) is { } value
                && ((string?)value is not { Length: > 0 and <= MaxAgeDigits } text || !text.All(char.IsAsciiDigit)))
            {
                context.Reject(Errors.InvalidRequest, "The 'max_age' parameter must be a non-negative integer number of seconds (OIDC Core §3.1.2.1).");
            }

            return default;
        }
    }
}
