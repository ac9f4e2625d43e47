using AuthServer.Observability;
using AuthServer.Protocol;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Revocation;

/// <summary>
/// RFC 7009 §2.1: revoking a refresh token may also revoke the authorization it belongs to. OpenIddict revokes
/// the presented token only; with rotation the client holds just the newest one, so "sign out" must end the chain.
/// </summary>
public sealed class RevokeChainOnRefreshTokenRevocation(TokenRevoker revoker, IOptions<RevocationOptions> options, AuthMetrics metrics, ILogger<RevokeChainOnRefreshTokenRevocation> logger)
    : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
        .UseScopedHandler<RevokeChainOnRefreshTokenRevocation>()
        .SetOrder(HandlerOrder.WellAfter(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (context.GenericTokenPrincipal is not { } principal || !principal.HasTokenType(TokenTypeIdentifiers.RefreshToken))
        {
            return;
        }

        var chain = options.Value.RevokeChainWithRefreshToken && principal.GetAuthorizationId() is { Length: > 0 } authorizationId
            ? await revoker.RevokeSessionAsync(authorizationId, "client-revoked", context.CancellationToken)
            : null;
        var subject = principal.GetClaim(Claims.Subject);
        Audit.RevokedByClient(logger, context.Request.ClientId, subject, chain?.Tokens ?? 1);
        metrics.Revoked("client", chain?.Tokens ?? 1);
    }
}
