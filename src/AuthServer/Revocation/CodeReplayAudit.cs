using AuthServer.Protocol;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Revocation;

/// <summary>
/// A redeemed authorization code presented again (RFC 6749 §4.1.2): OpenIddict refuses it (error ID2010) and revokes the
/// tokens of its grant, but (up to 7.9) leaves the authorization valid and the tokens' concurrency stamps unchanged, so a
/// refresh of that grant already under way could still mint a live token after the replay was answered. The grant is
/// therefore revoked again through <see cref="TokenRevoker"/> before the answer leaves, with its feed event. The code's
/// subject and grant are noted while it is validated, so this costs no extra read. Refresh-token replays are decided by
/// the refresh grant itself (Refresh/RefreshGrant).
/// </summary>
public static class CodeReplayAudit
{
    private const string CodeAlreadyRedeemedErrorId = "ID2010";
    private static readonly string s_noted = typeof(CodeReplayAudit).FullName + ".Principal";

    public static OpenIddictServerHandlerDescriptor NoteDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<NoteCode>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor ReportDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseSingletonHandler<ReportReplay>()
        .SetOrder(HandlerOrder.FirstOnResponse)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    private sealed class NoteCode : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.Principal is { } principal && principal.HasTokenType(TokenTypeIdentifiers.Private.AuthorizationCode))
            {
                context.Transaction.SetProperty(s_noted, principal);
            }

            return default;
        }
    }

    private sealed class ReportReplay : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public async ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            if (context.Response.ErrorUri?.EndsWith(CodeAlreadyRedeemedErrorId, StringComparison.Ordinal) != true
                || context.Transaction.GetProperty<System.Security.Claims.ClaimsPrincipal>(s_noted) is not { } principal)
            {
                return;
            }

            var (subject, authorization) = (principal.GetClaim(Claims.Subject), principal.GetAuthorizationId());
            if (subject is not null && authorization is not null && context.Transaction.GetHttpRequest()?.HttpContext.RequestServices is { } services)
            {
                await services.GetRequiredService<TokenRevoker>().RevokeReplayedChainAsync(authorization, subject, "code-replay", context.CancellationToken);
            }
        }
    }
}
