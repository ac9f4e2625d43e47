using System.Text.Json.Nodes;
using AuthServer.Clients;
using AuthServer.Contracts.Dpop;
using AuthServer.Protocol;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace AuthServer.Dpop;

/// <summary>
/// DPoP at the server (RFC 9449): at the token endpoint (§5) a request with a `DPoP` header gets tokens bound to the
/// proof's key, and at the authorization endpoint `dpop_jkt` binds the code to a key (§10). The
/// proof is checked before the client and the grant are (a malformed one costs nothing else); the binding of what is
/// redeemed (a refresh token bound earlier) and the proof's one use are checked after everything else passed. The access
/// token carries `cnf.jkt` and is answered with `token_type: DPoP`; a public client's refresh token carries the
/// thumbprint too (inside its encrypted payload), and is refused with any other key or with none. A confidential client's
/// refresh token is not bound: its client authentication already ties it to the client (§5).
/// </summary>
public static class DpopBinding
{
    public const string InvalidProof = "invalid_dpop_proof";
    public const string UseNonce = "use_dpop_nonce";
    public const string NonceHeader = "DPoP-Nonce";

    /// <summary>The authorization request's parameter naming the key the code will be bound to (RFC 9449 §10).</summary>
    public const string KeyParameter = "dpop_jkt";

    /// <summary>The thumbprint a public client's refresh token is bound to (a private claim: refresh tokens are read only here).</summary>
    public const string BoundKeyClaim = "authserver_dpop_jkt";

    private static readonly string s_proof = typeof(DpopBinding).FullName + ".Proof";
    private static readonly string s_sendNonce = typeof(DpopBinding).FullName + ".SendNonce";

    public static OpenIddictServerHandlerDescriptor ProofDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseScopedHandler<CheckProof>()
        .SetOrder(HandlerOrder.JustBefore(Exchange.ValidateAuthentication.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor KeyParameterDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
        .UseSingletonHandler<WellFormedKeyParameter>()
        .SetOrder(HandlerOrder.WellBefore(Authentication.ValidateClientRedirectUri.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor BindingDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseScopedHandler<CheckBindingAndUse>()
        .SetOrder(HandlerOrder.WellAfter(Exchange.ValidateGrantedScopes.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor BindDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .UseScopedHandler<BindTokens>()
        .SetOrder(HandlerOrder.JustBefore(GenerateAccessToken.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor ResponseDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseScopedHandler<AnswerDpop>()
        .SetOrder(HandlerOrder.FirstOnResponse)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static OpenIddictServerHandlerDescriptor DiscoveryDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<Advertise>()
        .SetOrder(HandlerOrder.WellAfter(Discovery.AttachAdditionalMetadata.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>The proof this request was checked with, or null when it came without one.</summary>
    public static DpopProof? ProofOf(OpenIddictServerTransaction transaction) => transaction.GetProperty<DpopProof>(s_proof);

    public sealed class CheckProof(IOptions<DpopOptions> options, DpopNonces nonces, IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            var request = context.Transaction.GetHttpRequest();
            if (request is null || !request.Headers.TryGetValue("DPoP", out var values))
            {
                // A client registered with RequireDpop gets bound tokens or none (the catalog's setting, cached with the client).
                if (context.ClientId is { } clientId && await applications.FindByClientIdAsync(clientId) is { } client
                    && (await applications.GetSettingsAsync(client)).TryGetValue(CatalogSync.RequireDpopSetting, out var required) && required == "true")
                {
                    context.Reject(InvalidProof, "This client must send a DPoP proof with every token request.");
                }

                return;
            }

            if (values is not [{ Length: > 0 } compact])
            {
                context.Reject(InvalidProof, "Send exactly one DPoP header.");
                return;
            }

            var settings = options.Value;
            var target = new Uri(UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path));
            var now = context.Options.TimeProvider.GetUtcNow();
            if (DpopProof.Read(compact, request.Method, target, now, settings.ProofLifetime, settings.ClockSkew, accessToken: null, out var error) is not { } proof)
            {
                context.Reject(InvalidProof, error);
                return;
            }

            if (settings.RequireNonce && !nonces.IsCurrent(proof.Nonce))
            {
                context.Transaction.SetProperty(s_sendNonce, s_sendNonce);
                context.Reject(UseNonce, "Make the DPoP proof again with the nonce in the DPoP-Nonce header.");
                return;
            }

            context.Transaction.SetProperty(s_proof, proof);
        }
    }

    public sealed class CheckBindingAndUse(DpopReplayCache replays) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            var proof = ProofOf(context.Transaction);
            var authentication = context.Transaction.GetProperty<ProcessAuthenticationContext>(typeof(ProcessAuthenticationContext).FullName!);
            var redeemed = context.Request.IsRefreshTokenGrantType() ? authentication?.RefreshTokenPrincipal
                : context.Request.IsAuthorizationCodeGrantType() ? authentication?.AuthorizationCodePrincipal
                : null;
            if (redeemed?.GetClaim(BoundKeyClaim) is { } bound && !string.Equals(bound, proof?.Thumbprint, StringComparison.Ordinal))
            {
                // RFC 9449 §10: a code issued for `dpop_jkt`, or a public client's refresh token, needs a proof of that key.
                context.Reject(Errors.InvalidGrant, "This grant is bound to a DPoP key: send a proof made with that key.");
                return;
            }

            if (proof is null)
            {
                return;
            }

            if (!await replays.TryRememberAsync(proof, context.CancellationToken))
            {
                context.Reject(InvalidProof, "This DPoP proof was already used: make a new one for each request.");
            }
        }
    }

    public sealed class BindTokens(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public async ValueTask HandleAsync(ProcessSignInContext context)
        {
            // RFC 9449 §10: the code is bound to the key the client named at the authorization endpoint.
            if (context.EndpointType == OpenIddictServerEndpointType.Authorization && context.Request?.GetParameter(KeyParameter) is { } parameter && (string?)parameter is { } jkt)
            {
                context.AuthorizationCodePrincipal?.SetClaim(BoundKeyClaim, jkt);
                return;
            }

            if (context.EndpointType != OpenIddictServerEndpointType.Token || ProofOf(context.Transaction) is not { } proof)
            {
                return;
            }

            context.AccessTokenPrincipal?.SetClaim(Claims.Confirmation, new JsonObject { ["jkt"] = proof.Thumbprint });
            if (context.RefreshTokenPrincipal is { } refresh && context.ClientId is { } clientId
                && await applications.FindByClientIdAsync(clientId) is { } client
                && await applications.HasClientTypeAsync(client, ClientTypes.Public))
            {
                refresh.SetClaim(BoundKeyClaim, proof.Thumbprint);
            }
        }
    }

    public sealed class AnswerDpop(DpopNonces nonces, IOptions<DpopOptions> options) : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            var response = context.Transaction.GetHttpRequest()?.HttpContext.Response;
            if (ProofOf(context.Transaction) is not null && context.Response.AccessToken is not null)
            {
                context.Response.TokenType = "DPoP";
            }

            // A fresh nonce with every answer once nonces are required, so a client never has to fail first twice.
            if (response is not null && (context.Transaction.GetProperty<string>(s_sendNonce) is not null || options.Value.RequireNonce && ProofOf(context.Transaction) is not null))
            {
                response.Headers[NonceHeader] = nonces.Issue();
            }

            return default;
        }
    }

    /// <summary>`dpop_jkt` is a SHA-256 thumbprint: 43 base64url characters, once.</summary>
    public sealed class WellFormedKeyParameter : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            if (context.Request.GetParameter(KeyParameter) is { } value
                && ((string?)value is not { } jkt || jkt.Length != 43 || !jkt.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                context.Reject(Errors.InvalidRequest, "The 'dpop_jkt' parameter must be one SHA-256 JWK thumbprint (43 base64url characters).");
            }

            return default;
        }
    }

    public sealed class Advertise : IOpenIddictServerHandler<HandleConfigurationRequestContext>
    {
        public ValueTask HandleAsync(HandleConfigurationRequestContext context)
        {
            context.Metadata["dpop_signing_alg_values_supported"] = new JsonArray([.. DpopProof.Algorithms.Select(alg => (JsonNode)alg)]);
            return default;
        }
    }
}
