using AuthServer.ResourceServer;
using OpenIddict.Validation;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace ResourceApi.OpenIddict;

/// <summary>
/// OpenIddict's own proof-of-possession check knows certificate-bound tokens only and fails on a DPoP-bound one (`cnf.jkt`);
/// such a token's proof is checked by <see cref="DpopProofs"/> (UseAuthServerDpop) instead, on every request.
/// </summary>
public sealed class DpopBoundTokens : IOpenIddictValidationHandler<ValidateTokenContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; } = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<DpopBoundTokens>()
        .SetOrder(OpenIddictValidationHandlers.Protection.ValidateProofOfPossession.Descriptor.Order - 1)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (DpopProofs.BoundKey(context.Principal) is not null)
        {
            context.DisableProofOfPossessionValidation = true;
        }

        return default;
    }
}
