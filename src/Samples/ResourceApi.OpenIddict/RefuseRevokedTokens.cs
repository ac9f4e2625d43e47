using AuthServer.ResourceServer;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

/// <summary>Consults AuthServer's revocation feed after OpenIddict has validated the access token (signature, issuer, audience, lifetime).</summary>
internal sealed class RefuseRevokedTokens(RevocationList revoked) : IOpenIddictValidationHandler<ProcessAuthenticationContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; } = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .UseSingletonHandler<RefuseRevokedTokens>()
        .SetOrder(OpenIddictValidationHandlers.ValidateAccessToken.Descriptor.Order + 1_000)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.AccessTokenPrincipal is { } principal && revoked.IsRevoked(principal))
        {
            context.Reject(Errors.InvalidToken, "The access token was revoked.");
        }

        return default;
    }
}
