using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer;

/// <summary>Checks a SET from the revocation feed: signed by the issuer's published keys, `typ`, `iss`, and this API's client as `aud`.</summary>
internal sealed class SetVerifier(IssuerKeys keys, AuthServerJwtOptions options)
{
    private const string SetType = "secevent+jwt";
    private static readonly JsonWebTokenHandler s_handler = new() { MapInboundClaims = false };

    /// <summary>The result, and the issuer configuration it was checked against (its issuer is the one subjects must name).</summary>
    public async Task<(TokenValidationResult Result, OpenIdConnectConfiguration Configuration)> VerifyAsync(string set, CancellationToken cancellationToken)
    {
        var configuration = await keys.GetConfigurationAsync(cancellationToken);
        var result = await s_handler.ValidateTokenAsync(set, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = options.RevocationFeed.ClientId,
            ValidTypes = [SetType],
            ValidAlgorithms = [.. options.ValidAlgorithms],
            IssuerSigningKeys = configuration.SigningKeys,
            RequireSignedTokens = true,

            // SSF 1.0 §4.1.6: a SET has no exp; its relevance is in the event.
            ValidateLifetime = false,
            RequireExpirationTime = false,
        });
        return (result, configuration);
    }
}
