using System.Text.Json;
using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Dpop;

/// <summary>
/// A DPoP-bound access token (`cnf.jkt`) presented to the server's own endpoints (userinfo; the admin API and the
/// Shared Signals endpoints, through OpenIddict's validation) as a bearer token is refused as `invalid_token`: a bound
/// token without a proof of its key is what a thief would send (RFC 9449 §7). These endpoints do not accept the DPoP
/// scheme yet, so such a token has no use there. Without this, OpenIddict's own proof-of-possession check, which knows
/// only certificate-bound tokens, would fail with a server error on the `jkt` member.
/// </summary>
public static class BoundTokensNeedProofs
{
    private const string Refusal = "This access token is bound to a DPoP key and this endpoint takes no DPoP proof.";

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

    /// <summary>True when the token's `cnf` names a DPoP key thumbprint.</summary>
    public static bool IsBound(System.Security.Claims.ClaimsPrincipal? principal)
    {
        if (principal?.GetClaim(Claims.Confirmation) is not { Length: > 0 } confirmation)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(confirmation);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("jkt", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private sealed class AtServerEndpoints : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenContext>
    {
        public ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenContext context)
        {
            if (!context.DisableProofOfPossessionValidation && IsBound(context.Principal))
            {
                context.Reject(Errors.InvalidToken, Refusal);
            }

            return default;
        }
    }

    private sealed class AtCallerEndpoints : IOpenIddictValidationHandler<OpenIddictValidationEvents.ValidateTokenContext>
    {
        public ValueTask HandleAsync(OpenIddictValidationEvents.ValidateTokenContext context)
        {
            if (IsBound(context.Principal))
            {
                context.Reject(Errors.InvalidToken, Refusal);
            }

            return default;
        }
    }
}
