using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Revocation;

/// <summary>
/// RFC 7009 §2.2.1: access tokens are self-contained JWTs with no row to revoke (Tokens/SkipUnrevocableTokenEntries), so
/// presenting one answers `unsupported_token_type`, to every client alike. Checked before the ownership check
/// (§2.1): OpenIddict would otherwise answer the owner `unsupported_token_type` and everyone else 200, telling a client
/// whether a token it found is its own. A refresh token of another client already answers exactly like one revoked
/// by its owner (200, nothing revoked: OpenIddict treats it as an invalid token, §2.2), so ownership never shows.
/// </summary>
public sealed class AccessTokensAreNotRevocable : IOpenIddictServerHandler<ValidateRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateRevocationRequestContext>()
        .UseSingletonHandler<AccessTokensAreNotRevocable>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Revocation.ValidateAuthorizedParty.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidateRevocationRequestContext context)
    {
        if (context.GenericTokenPrincipal?.HasTokenType(TokenTypeIdentifiers.AccessToken) == true)
        {
            context.Reject(Errors.UnsupportedTokenType,
                "Access tokens expire on their own and cannot be revoked here; revoke the refresh token to end the grant.");
        }

        return default;
    }
}
