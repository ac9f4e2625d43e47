using AuthServer.Keys;
using Microsoft.IdentityModel.Tokens;
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
/// read only by this server: an HMAC (microseconds) instead of a private-key operation per token.
/// </summary>
public sealed class PinSigningKeys(KeyRing keys) : IOpenIddictServerHandler<GenerateTokenContext>
{
    private readonly SigningCredentials _accessTokens = Credentials(keys.SigningKeys[0]);
    private readonly SigningCredentials _identityTokens = IdentityTokenCredentials(keys);
    private readonly SigningCredentials _serverOnly = new(keys.ServerOnlySigningKeys[0], SecurityAlgorithms.HmacSha256);

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
        .UseSingletonHandler<PinSigningKeys>()
        .SetOrder(OpenIddictServerHandlers.Protection.AttachSecurityCredentials.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>Also signs back-channel logout tokens, which Back-Channel Logout 1.0 §2.4 asks to sign like identity tokens.</summary>
    public static SigningCredentials IdentityTokenCredentials(KeyRing keys) =>
        Credentials(keys.SigningKeys.FirstOrDefault(key => key is RsaSecurityKey) ?? keys.SigningKeys[0]);

    public static SigningCredentials Credentials(SecurityKey key) => new(key, key switch
    {
        ECDsaSecurityKey { ECDsa.KeySize: 384 } => SecurityAlgorithms.EcdsaSha384,
        ECDsaSecurityKey { ECDsa.KeySize: 521 } => SecurityAlgorithms.EcdsaSha512,
        ECDsaSecurityKey => SecurityAlgorithms.EcdsaSha256,
        _ => SecurityAlgorithms.RsaSha256,
    });

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        context.SigningCredentials = context.TokenType switch
        {
            TokenTypeIdentifiers.AccessToken => _accessTokens,
            TokenTypeIdentifiers.IdentityToken => _identityTokens,
            _ => _serverOnly,
        };
        return default;
    }
}
