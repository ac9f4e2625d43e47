using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AuthServer.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// RFC 7636 as written, where OpenIddict is lenient: an S256 challenge is exactly 43 base64url characters (§4.2), a
/// verifier 43 to 128 characters of the unreserved set (§4.1), and a code presented with a wrong, malformed or missing
/// verifier is burnt (§4.6 with RFC 6749 §4.1.2 and §10.5: a code is good for one attempt), so a stolen code cannot be
/// tried against guesses.
/// </summary>
public static class ProofKeyChecks
{
    private const int ChallengeLength = 43;
    private const int MinVerifierLength = 43;
    private const int MaxVerifierLength = 128;

    /// <summary>After the redirect URI is trusted, so the refusal can go back to the client (RFC 6749 §4.1.2.1).</summary>
    public static OpenIddictServerHandlerDescriptor ChallengeDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
        .UseSingletonHandler<WellFormedChallenge>()
        .SetOrder(HandlerOrder.JustAfter(OpenIddictServerHandlers.Authentication.ValidateClientRedirectUri.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>After the code is authenticated and bound to this client (a stranger cannot burn it), before OpenIddict's check.</summary>
    public static OpenIddictServerHandlerDescriptor VerifierDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
        .UseScopedHandler<VerifierOrBurn>()
        .SetOrder(HandlerOrder.JustBefore(OpenIddictServerHandlers.Exchange.ValidateCodeVerifier.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>
    /// OpenIddict refuses a token request without `code_verifier` before it reads the code (two early checks it calls
    /// optimisations: the global and the per-client PKCE requirement), so that code stayed redeemable. Without them the
    /// code is read first and <see cref="VerifierOrBurn"/> burns it. Nothing is lost: every code carries a challenge
    /// (PKCE is required at the authorization endpoint), and OpenIddict's ValidateCodeVerifier still runs after ours.
    /// </summary>
    public static IReadOnlyList<OpenIddictServerHandlerDescriptor> EarlyChecksRemoved { get; } =
    [
        OpenIddictServerHandlers.Exchange.ValidateProofKeyForCodeExchangeParameters.Descriptor,
        OpenIddictServerHandlers.Exchange.ValidateProofKeyForCodeExchangeRequirement.Descriptor,
    ];

    public sealed class WellFormedChallenge : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            if (context.Request.CodeChallenge is { } challenge && (challenge.Length != ChallengeLength || !challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                context.Reject(Errors.InvalidRequest, "The 'code_challenge' parameter must be 43 base64url characters (RFC 7636 §4.2).");
            }

            return default;
        }
    }

    public sealed class VerifierOrBurn(IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (!context.Request.IsAuthorizationCodeGrantType() || context.AuthorizationCodePrincipal is not { } code
                || code.GetClaim(Claims.Private.CodeChallenge) is not { Length: > 0 } challenge
                || code.GetClaim(Claims.Private.CodeChallengeMethod) != CodeChallengeMethods.Sha256)
            {
                return;
            }

            var verifier = context.Request.CodeVerifier;
            var wellFormed = IsWellFormed(verifier);
            if (wellFormed && Matches(verifier!, challenge))
            {
                return;
            }

            if (code.GetTokenId() is { Length: > 0 } id && await tokens.FindByIdAsync(id, context.CancellationToken) is { } entry)
            {
                await tokens.TryRevokeAsync(entry, context.CancellationToken);
            }

            context.Reject(wellFormed ? Errors.InvalidGrant : Errors.InvalidRequest, (wellFormed, verifier) switch
            {
                (true, _) => "The 'code_verifier' does not match the 'code_challenge'; the code is no longer valid.",
                (false, null) => "The mandatory 'code_verifier' parameter is missing; the code is no longer valid.",
                _ => "The 'code_verifier' must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1); the code is no longer valid.",
            });
        }

        private static bool IsWellFormed(string? verifier) =>
            verifier is { Length: >= MinVerifierLength and <= MaxVerifierLength } && verifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');

        private static bool Matches(string verifier, string challenge) => CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))),
            Encoding.ASCII.GetBytes(challenge));
    }
}
