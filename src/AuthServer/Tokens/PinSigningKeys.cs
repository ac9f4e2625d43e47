using AuthServer.Keys;
using AuthServer.Protocol;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// Chooses the signing key per token type, in the order the operator configured (OpenIddict's own choice follows an
/// unstable sort, which could let a key listed only for publication start signing). Access tokens are read by
/// resource servers: the first configured key, published in the JWKS (RFC 9068 §2.1); with an EC key first they are
/// ES256, the cheapest signature to make at every refresh. Identity tokens: the first RSA key, because OpenID Connect
/// requires RS256 of every provider (Core §15.1); EC only when no RSA key is configured. Refresh tokens and codes are
/// read only by this server: an HMAC (microseconds) instead of a private-key operation per token, and encrypted with the
/// active encryption key.
/// </summary>
public sealed class PinSigningKeys(KeyRingSource keys) : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
        .UseSingletonHandler<PinSigningKeys>()
        .SetOrder(HandlerOrder.JustAfter(OpenIddictServerHandlers.Protection.AttachSecurityCredentials.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        // The ring of this moment: after a rotation, the next token is signed by the new active key.
        var ring = keys.Current;
        context.SigningCredentials = context.TokenType switch
        {
            TokenTypeIdentifiers.AccessToken => ring.AccessTokenCredentials,
            TokenTypeIdentifiers.IdentityToken => ring.IdentityTokenCredentials,
            _ => ring.ServerOnlyCredentials,
        };

        // OpenIddict encrypts with the first credential after its own sort, which does not order symmetric keys: pin the active one.
        if (context.EncryptionCredentials is not null)
        {
            context.EncryptionCredentials = ring.EncryptionCredentials;
        }

        return default;
    }
}
