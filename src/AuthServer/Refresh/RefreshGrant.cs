using AuthServer.Observability;
using AuthServer.Persistence;
using AuthServer.Protocol;
using AuthServer.Revocation;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;
using Token = OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken;

namespace AuthServer.Refresh;

/// <summary>
/// The refresh_token grant's database work, ours (decision 017). OpenIddict still reads the request, authenticates the
/// client, checks its grant and scope permissions and the token's presenter, decrypts and validates the presented token
/// (signature, type, issuer, expiry), signs the new tokens and writes the response; TokenEndpoint re-checks the user.
/// What OpenIddict would do against the database in four places (the presented token's row read, its status and its
/// chain's checked, the row redeemed, the successor's row written) is done here once, at the end of the sign-in, as one
/// unit of work: a conditional UPDATE that redeems the row only while it and its chain are live (the row count decides),
/// then the successor's INSERT. A replay after the reuse leeway revokes the chain in the same unit of work, before the
/// answer leaves. Tokens are signed before that decision; a refused grant discards them unseen.
/// </summary>
public static class RefreshGrant
{
    private static readonly string s_next = typeof(RefreshGrant).FullName + ".Next";

    /// <summary>
    /// OpenIddict's three reads of the presented token's row and its chain, kept for every other token (codes, revocation,
    /// hints) and skipped for the refresh token being redeemed: <see cref="Rotate"/> makes their checks in its statement.
    /// </summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> ChecksDeferred { get; } =
    [
        Narrowed<ValidateTokenContext, NotTheTokenBeingRotated>(Protection.RestoreTokenEntryProperties.Descriptor),
        Narrowed<ValidateTokenContext, NotTheTokenBeingRotated>(Protection.ValidateTokenEntry.Descriptor),
        Narrowed<ValidateTokenContext, NotTheTokenBeingRotated>(Protection.ValidateAuthorizationEntry.Descriptor),
        Narrowed<ProcessSignInContext, NotRotatingHere>(RedeemTokenEntry.Descriptor),
    ];

    public static OpenIddictServerHandlerDescriptor ReserveDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
        .UseSingletonHandler<ReserveSuccessor>()
        .SetOrder(HandlerOrder.JustBefore(Protection.CreateTokenEntry.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor RotateDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .UseScopedHandler<Rotate>()
        .SetOrder(HandlerOrder.JustBefore(BeautifyGeneratedTokens.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>A refresh at the token endpoint with rotation and token storage on (this server's only configuration).</summary>
    private static bool IsRotating(BaseContext context) =>
        context.EndpointType == OpenIddictServerEndpointType.Token
        && context.Transaction.Request?.IsRefreshTokenGrantType() == true
        && !context.Options.DisableRollingRefreshTokens && !context.Options.DisableTokenStorage && !context.Options.EnableDegradedMode;

    /// <summary>OpenIddict's own handler, in its own place, with one more condition; marked ours so the pipeline table shows it.</summary>
    private static OpenIddictServerHandlerDescriptor Narrowed<TContext, TFilter>(OpenIddictServerHandlerDescriptor theirs)
        where TContext : BaseContext
        where TFilter : class, IOpenIddictServerHandlerFilter<TContext> =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>().Import(theirs).AddFilter<TFilter>().SetType(OpenIddictServerHandlerType.Custom).Build();

    public sealed class NotTheTokenBeingRotated : IOpenIddictServerHandlerFilter<ValidateTokenContext>
    {
        public ValueTask<bool> IsActiveAsync(ValidateTokenContext context) => ValueTask.FromResult(!(
            IsRotating(context)
            && context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.RefreshToken)
            && string.Equals(context.Token, context.Transaction.Request?.RefreshToken, StringComparison.Ordinal)));
    }

    public sealed class NotRotatingHere : IOpenIddictServerHandlerFilter<ProcessSignInContext>
    {
        public ValueTask<bool> IsActiveAsync(ProcessSignInContext context) => ValueTask.FromResult(!IsRotating(context));
    }

    /// <summary>The successor's row is written by <see cref="Rotate"/>, after the redeem: here it only gets its id, which the token carries.</summary>
    public sealed class ReserveSuccessor : IOpenIddictServerHandler<GenerateTokenContext>
    {
        public ValueTask HandleAsync(GenerateTokenContext context)
        {
            if (context.TokenType == TokenTypeIdentifiers.RefreshToken && context.CreateTokenEntry && IsRotating(context) && context.Principal is { } principal)
            {
                context.CreateTokenEntry = false;
                var row = new Token
                {
                    ConcurrencyToken = Guid.NewGuid().ToString(),
                    CreationDate = principal.GetCreationDate()?.UtcDateTime,
                    ExpirationDate = principal.GetExpirationDate()?.UtcDateTime,
                    Status = Statuses.Valid,
                    Subject = principal.GetClaim(Claims.Subject),
                    Type = TokenTypeIdentifiers.RefreshToken,
                };
                principal.SetTokenId(row.Id);
                context.Transaction.SetProperty(s_next, new Successor(row, principal.GetAuthorizationId()));
            }

            return default;
        }
    }

    private sealed record Successor(Token Row, string? AuthorizationId);

    private enum Outcome
    {
        Rotated,
        Replayed,
        Refused,
    }

    public sealed class Rotate(AuthDbContext db, IOpenIddictApplicationManager applications, TokenRevoker revoker, AuthMetrics metrics, ILogger<Rotate> logger)
        : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public async ValueTask HandleAsync(ProcessSignInContext context)
        {
            if (!IsRotating(context))
            {
                return;
            }

            var presented = context.Transaction.GetProperty<ProcessAuthenticationContext>(typeof(ProcessAuthenticationContext).FullName!)?.RefreshTokenPrincipal;
            var (tokenId, chain, subject) = (presented?.GetTokenId(), presented?.GetAuthorizationId(), presented?.GetClaim(Claims.Subject));
            if (tokenId is null || chain is null || subject is null)
            {
                // Every refresh token this server issues names its row and its chain: one without is not ours to honour.
                Refuse(context, subject);
                return;
            }

            var successor = context.Transaction.GetProperty<Successor>(s_next);
            var applicationId = successor is not null && context.ClientId is { } clientId && await applications.FindByClientIdAsync(clientId) is { } client
                ? await applications.GetIdAsync(client)
                : null;
            var now = context.Options.TimeProvider.GetUtcNow().UtcDateTime;
            var leeway = context.Options.RefreshTokenReuseLeeway ?? TimeSpan.Zero;

            var outcome = await UnitOfWork.RunAsync(db, async cancellationToken =>
            {
                if (await RefreshTokenRows.TryRedeemAsync(db, tokenId, now, leeway, cancellationToken))
                {
                    if (successor is not null)
                    {
                        await RefreshTokenRows.InsertAsync(db, successor.Row, applicationId, successor.AuthorizationId, cancellationToken);
                    }

                    return Outcome.Rotated;
                }

                // Redeemed, and past the leeway (inside it the statement would have redeemed it again): a replay, RFC 9700 §4.14.2.
                if (await RefreshTokenRows.StateAsync(db, tokenId, cancellationToken) is { Status: Statuses.Redeemed, RedeemedAt: { } redeemedAt }
                    && redeemedAt + leeway <= now)
                {
                    await revoker.RevokeReplayedChainAsync(chain, subject, "refresh-replay", cancellationToken);
                    return Outcome.Replayed;
                }

                return Outcome.Refused;
            }, context.CancellationToken);

            if (outcome == Outcome.Replayed)
            {
                Audit.RefreshReplayDetected(logger, subject, context.ClientId, chain);
                metrics.ReplayDetected();
                context.Reject(Errors.InvalidGrant, "The refresh token was already used; every token of its grant is revoked.");
            }
            else if (outcome == Outcome.Refused)
            {
                Refuse(context, subject);
            }
        }

        private void Refuse(ProcessSignInContext context, string? subject)
        {
            Audit.RefreshRefused(logger, subject, context.ClientId);
            context.Reject(Errors.InvalidGrant, "The token is no longer valid.");
        }
    }
}
