using AuthServer.Admin;
using AuthServer.Authorization;
using AuthServer.BackchannelLogout;
using AuthServer.Dpop;
using AuthServer.Observability;
using AuthServer.Refresh;
using AuthServer.Revocation;
using AuthServer.Throttling;
using AuthServer.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace AuthServer.Protocol;

/// <summary>
/// Every handler of ours in OpenIddict's pipelines, one list per endpoint in the order each runs, and the handlers of
/// OpenIddict's we take out. Each handler's place among OpenIddict's is in its descriptor (<see cref="HandlerOrder"/>);
/// the services it uses are registered by its own folder. docs/protocol-pipeline.md is the running server's table,
/// checked by a test, with OpenIddict's neighbours.
/// </summary>
public static class ProtocolPipeline
{
    /// <summary>/connect/token, every grant.</summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> Token { get; } =
    [
        SingleValuedParametersSetup.Token,
        BasicClientCredentials.TokenDescriptor,
        ScopeRequestChecks.ClientMayUseDescriptor,
        NoOpenIdForClients.Descriptor,
        ProofKeyChecks.VerifierDescriptor,
        ScopeRequestChecks.NoWiderThanGrantedDescriptor,
        ClientAuthenticationThrottle.TokenDescriptor,
        DpopBinding.ProofDescriptor,
        DpopBinding.BindingDescriptor,
        DpopBinding.BindDescriptor,
        RefreshGrant.RotateDescriptor,
        DpopBinding.ResponseDescriptor,
        CodeReplayAudit.ReportDescriptor,
        TelemetrySetup.CountTokenResponses.Descriptor,
    ];

    /// <summary>/connect/authorize (the page itself is Authorization/AuthorizeEndpoint, through OpenIddict's passthrough).</summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> Authorize { get; } =
    [
        SingleValuedParametersSetup.Authorization,
        AuthorizationParameterChecks.SizeDescriptor,
        AuthorizationParameterChecks.MaxAgeDescriptor,
        ProofKeyChecks.ChallengeDescriptor,
        ScopeRequestChecks.ClientMayUseAtAuthorizationDescriptor,
        DpopBinding.KeyParameterDescriptor,
        AuthorizationErrorRedirect.Descriptor,
        AuthorizationErrorRedirect.OversizedStateDescriptor,
    ];

    /// <summary>/connect/revoke (RFC 7009).</summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> Revocation { get; } =
    [
        SingleValuedParametersSetup.Revocation,
        BasicClientCredentials.RevocationDescriptor,
        AccessTokensAreNotRevocable.Descriptor,
        RevokeChainOnRefreshTokenRevocation.Descriptor,
        ClientAuthenticationThrottle.RevocationDescriptor,
    ];

    /// <summary>/connect/endsession.</summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> EndSession { get; } = [SingleValuedParametersSetup.EndSession];

    /// <summary>The discovery document.</summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> Discovery { get; } =
    [
        AdvertiseIssuerUrls.Descriptor,
        AdvertiseBackchannelLogout.Descriptor,
        DpopBinding.DiscoveryDescriptor,
    ];

    /// <summary>Issuing and reading tokens, wherever it happens (sign-in, token generation, token validation).</summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> Tokens { get; } =
    [
        AudiencesFollowScopes.Descriptor,
        NoIdentityTokenOnRefresh.Descriptor,
        OperatorTokenGrant.Descriptor,
        SkipUnrevocableTokenEntries.Descriptor,
        PinSigningKeys.Descriptor,
        RefreshGrant.ReserveDescriptor,
        CodeReplayAudit.NoteDescriptor,
        HintOutlivesItsChain.Descriptor,
        BoundTokensNeedProofs.ServerDescriptor,
    ];

    /// <summary>OpenIddict's own handlers taken out, each replaced by one of ours above.</summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> Removed { get; } = ProofKeyChecks.EarlyChecksRemoved;

    /// <summary>OpenIddict's own handlers kept in their place with one more condition (a filter of ours): each replaces the original.</summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> Narrowed { get; } = RefreshGrant.ChecksDeferred;

    /// <summary>The admin API's and the Shared Signals endpoints' callers, after OpenIddict validated their access token (CallerTokens).</summary>
    public static IReadOnlyList<OpenIddictValidationHandlerDescriptor> Callers { get; } = [BoundTokensNeedProofs.ValidationDescriptor, CallerRecheck.Descriptor];

    public static OpenIddictServerBuilder AddProtocolPipeline(this OpenIddictServerBuilder server)
    {
        foreach (var handler in Token.Concat(Authorize).Concat(Revocation).Concat(EndSession).Concat(Discovery).Concat(Tokens))
        {
            server.AddEventHandler(handler);
        }

        foreach (var handler in Removed)
        {
            server.RemoveEventHandler(handler);
        }

        foreach (var filter in Narrowed.SelectMany(handler => handler.FilterTypes).Distinct())
        {
            server.Services.TryAddSingleton(filter);
        }

        // After OpenIddict's own configuration has listed its handlers: swap each original for its narrowed copy.
        server.Services.PostConfigure<OpenIddictServerOptions>(options =>
        {
            foreach (var narrowed in Narrowed)
            {
                var index = options.Handlers.FindIndex(handler =>
                    handler.ContextType == narrowed.ContextType && handler.ServiceDescriptor.ServiceType == narrowed.ServiceDescriptor.ServiceType);
                options.Handlers[index >= 0 ? index : throw new InvalidOperationException(
                    $"OpenIddict no longer has {narrowed.ServiceDescriptor.ServiceType.Name}; see decision 017's upgrade checklist.")] = narrowed;
            }
        });

        return server;
    }
}
