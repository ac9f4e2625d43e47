using AuthServer.Keys;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// Chooses the signing key per token type, in the order the operator configured (OpenIddict's own choice follows an
/// unstable sort, which could let a key listed only for publication start signing). Access and identity tokens are
/// read by others: the first asymmetric key, published in the JWKS (RFC 9068 §2.1). Refresh tokens and codes are read
/// only by this server: an HMAC (microseconds) instead of an RSA private-key operation per token.
/// </summary>
public sealed class PinSigningKeys(KeyRing keys) : IOpenIddictServerHandler<GenerateTokenContext>
{
    private readonly SigningCredentials _public = Credentials(keys.SigningKeys[0]);
    private readonly SigningCredentials _serverOnly = new(keys.ServerOnlySigningKeys[0], SecurityAlgorithms.HmacSha256);

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
        .UseSingletonHandler<PinSigningKeys>()
        .SetOrder(OpenIddictServerHandlers.Protection.AttachSecurityCredentials.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static SigningCredentials Credentials(SecurityKey key) => new(key, key switch
    {
        ECDsaSecurityKey { ECDsa.KeySize: 384 } => SecurityAlgorithms.EcdsaSha384,
        ECDsaSecurityKey { ECDsa.KeySize: 521 } => SecurityAlgorithms.EcdsaSha512,
        ECDsaSecurityKey => SecurityAlgorithms.EcdsaSha256,
        _ => SecurityAlgorithms.RsaSha256,
    });

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        context.SigningCredentials = context.TokenType is TokenTypeIdentifiers.AccessToken or TokenTypeIdentifiers.IdentityToken
            ? _public
            : _serverOnly;
        return default;
    }
}
