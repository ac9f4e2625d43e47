using AuthServer.Contracts.Dpop;
using AuthServer.Protocol;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Dpop;

/// <summary>
/// A DPoP-bound access token (`cnf.jkt`) presented to the server's own endpoints without a proof of its key is refused
/// as `invalid_token`: that is what a thief would send (RFC 9449 §7). With the DPoP scheme and a proof of its key
/// (<see cref="DpopAtServerEndpoints"/>: userinfo, the admin API, the Shared Signals endpoints) it is accepted. Without this, OpenIddict's own proof-of-possession check, which knows
/// only certificate-bound tokens, would fail with a server error on the `jkt` member.
/// </summary>
public static class BoundTokensNeedProofs
{
    private const string NoProof = "This access token is bound to a DPoP key: send it with the DPoP scheme and a proof of that key where the endpoint takes one.";

    public static OpenIddictServerHandlerDescriptor ServerDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.ValidateTokenContext>()
        .UseSingletonHandler<AtServerEndpoints>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Protection.ValidateProofOfPossession.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictValidationHandlerDescriptor ValidationDescriptor { get; } = OpenIddictValidationHandlerDescriptor.CreateBuilder<OpenIddictValidationEvents.ValidateTokenContext>()
        .UseSingletonHandler<AtCallerEndpoints>()
        .SetOrder(OpenIddictValidationHandlers.Protection.ValidateProofOfPossession.Descriptor.Order - 1)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    /// <summary>The DPoP key thumbprint the token's `cnf` names, or null.</summary>
    public static string? BoundKey(System.Security.Claims.ClaimsPrincipal? principal) => DpopProof.BoundKeyOf(principal?.GetClaim(Claims.Confirmation));

    /// <summary>
    /// For a bound token: null when the DPoP scheme came with a proof of its key (DpopAtServerEndpoints checked it), else
    /// why it is refused.
    /// </summary>
    private static string? Refusal(string bound, HttpContext? http) => http?.Items[DpopAtServerEndpoints.ProvenKey] switch
    {
        string proven when string.Equals(proven, bound, StringComparison.Ordinal) => null,
        string => "The access token is not bound to the key of this DPoP proof.",
        _ => NoProof,
    };

    private sealed class AtServerEndpoints : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenContext>
    {
        public ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenContext context)
        {
            if (!context.DisableProofOfPossessionValidation && BoundKey(context.Principal) is { } bound)
            {
                // OpenIddict's own check knows certificate-bound tokens only; a DPoP-bound one is decided here.
                context.DisableProofOfPossessionValidation = true;
                if (Refusal(bound, context.Transaction.GetHttpRequest()?.HttpContext) is { } reason)
                {
                    context.Reject(Errors.InvalidToken, reason);
                }
            }

            return default;
        }
    }

    private sealed class AtCallerEndpoints : IOpenIddictValidationHandler<OpenIddictValidationEvents.ValidateTokenContext>
    {
        public ValueTask HandleAsync(OpenIddictValidationEvents.ValidateTokenContext context)
        {
            if (BoundKey(context.Principal) is { } bound)
            {
                context.DisableProofOfPossessionValidation = true;
                if (Refusal(bound, context.Transaction.GetHttpRequest()?.HttpContext) is { } reason)
                {
                    context.Reject(Errors.InvalidToken, reason);
                }
            }

            return default;
        }
    }
}
