using AuthServer.Admin;
using AuthServer.Contracts.Dpop;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;

namespace AuthServer.Dpop;

/// <summary>
/// The server's own bearer endpoints (userinfo, the admin API, the Shared Signals endpoints) with a DPoP-bound access token
/// (RFC 9449 §7): `Authorization: DPoP &lt;token&gt;` and one proof for this request (method, URI, `ath`, fresh, never seen
/// by any instance). The proof is checked before OpenIddict reads the token, which then goes on as a bearer token with the
/// proof's key noted; <see cref="BoundTokensNeedProofs"/> accepts a bound token only with the proof of its own key.
/// </summary>
public static class DpopAtServerEndpoints
{
    private const string Scheme = "DPoP";
    private static readonly PathString[] s_paths = [Endpoints.UserInfo, AdminSetup.Prefix, "/ssf"];

    /// <summary>The thumbprint of the key whose proof came with this request.</summary>
    public static readonly object ProvenKey = new();

    public static IApplicationBuilder UseDpopAtServerEndpoints(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!Array.Exists(s_paths, path => request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase))
            || request.Headers.Authorization is not [{ } header]
            || !header.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase)
            || header[(Scheme.Length + 1)..].Trim() is not { Length: > 0 } token)
        {
            await next(context);
            return;
        }

        var settings = context.RequestServices.GetRequiredService<IOptions<DpopOptions>>().Value;
        var clock = context.RequestServices.GetRequiredService<TimeProvider>();
        var target = new Uri(UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path));
        DpopProof? proof = null;
        var error = "Send exactly one DPoP proof with a DPoP-bound token.";
        if (request.Headers[Scheme] is [{ Length: > 0 } compact])
        {
            proof = DpopProof.Read(compact, request.Method, target, clock.GetUtcNow(), settings.ProofLifetime, settings.ClockSkew, token, out error);
        }

        if (proof is not null && !await context.RequestServices.GetRequiredService<DpopReplayCache>()
                .TryRememberAsync(proof, context.RequestAborted))
        {
            (proof, error) = (null, "This DPoP proof was already used: make a new one for each request.");
        }

        if (proof is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = $"{Scheme} error=\"invalid_dpop_proof\", error_description=\"{error}\", algs=\"{string.Join(' ', DpopProof.Algorithms)}\"";
            return;
        }

        context.Items[ProvenKey] = proof.Thumbprint;
        request.Headers.Authorization = "Bearer " + token;
        await next(context);
    });
}
