using AuthServer.Observability;
using AuthServer.Protocol;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Revocation;

/// <summary>
/// Turns OpenIddict's replay detection (a redeemed refresh token presented after the leeway: it revokes the
/// chain and answers error ID2012) into audit event 2005, without an extra database read on the refresh path:
/// the token's subject and authorization are noted while it is validated and reported only if ID2012 follows. The
/// chain is then revoked again through <see cref="TokenRevoker"/>, before the answer leaves: OpenIddict (up to 7.9) leaves the
/// authorization valid and the tokens' concurrency stamps unchanged, so a refresh of that chain already under way could
/// otherwise mint a live token after the replay was answered. The same holds for a replayed authorization code (ID2010).
/// </summary>
public static class RefreshReplayAudit
{
    private const string AlreadyRedeemedErrorId = "ID2012";

    /// <summary>RFC 6749 §4.1.2: a code presented twice; OpenIddict revokes what its first redemption issued.</summary>
    private const string CodeAlreadyRedeemedErrorId = "ID2010";
    private static readonly string s_noted = typeof(RefreshReplayAudit).FullName + ".Principal";

    public static OpenIddictServerHandlerDescriptor NoteDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<NoteRefreshToken>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor ReportDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseSingletonHandler<ReportReplay>()
        .SetOrder(HandlerOrder.FirstOnResponse)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    private sealed class NoteRefreshToken : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.Principal is { } principal
                && (principal.HasTokenType(TokenTypeIdentifiers.RefreshToken) || principal.HasTokenType(TokenTypeIdentifiers.Private.AuthorizationCode)))
            {
                context.Transaction.SetProperty(s_noted, principal);
            }

            return default;
        }
    }

    private sealed class ReportReplay(ILogger<ReportReplay> logger, AuthMetrics metrics) : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public async ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            var errorUri = context.Response.ErrorUri;
            if (errorUri is null || context.Transaction.GetProperty<System.Security.Claims.ClaimsPrincipal>(s_noted) is not { } principal)
            {
                return;
            }

            var (subject, authorization) = (principal.GetClaim(Claims.Subject), principal.GetAuthorizationId());
            string reason;
            if (errorUri.EndsWith(AlreadyRedeemedErrorId, StringComparison.Ordinal) && principal.HasTokenType(TokenTypeIdentifiers.RefreshToken))
            {
                Audit.RefreshReplayDetected(logger, subject, context.Request?.ClientId, authorization);
                metrics.ReplayDetected();
                reason = "refresh-replay";
            }
            else if (errorUri.EndsWith(CodeAlreadyRedeemedErrorId, StringComparison.Ordinal) && principal.HasTokenType(TokenTypeIdentifiers.Private.AuthorizationCode))
            {
                reason = "code-replay";
            }
            else
            {
                return;
            }

            if (subject is not null && authorization is not null && context.Transaction.GetHttpRequest()?.HttpContext.RequestServices is { } services)
            {
                await services.GetRequiredService<TokenRevoker>().RevokeReplayedChainAsync(authorization, subject, reason, context.CancellationToken);
            }
        }
    }
}
