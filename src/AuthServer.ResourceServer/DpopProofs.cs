using System.Security.Claims;
using AuthServer.Contracts.Dpop;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AuthServer.ResourceServer;

/// <summary>
/// DPoP-bound access tokens at a resource API (RFC 9449 §7), whichever handler validates the token (JwtBearer or
/// OpenIddict.Validation), around the authentication middleware. Before it: `Authorization: DPoP &lt;token&gt;` needs exactly one `DPoP` proof for this
/// method and URI, fresh, never seen by this instance, with `ath` the token's hash; the token then goes to the handler as
/// a bearer token. After it: a token whose `cnf.jkt` names a key must come with a proof of that key, and a proof must come
/// with a token bound to its key, so a bound token sent as `Bearer` is refused. This runs on every request, after the
/// handler's own validation: the validated-token cache cannot let a bound token skip its proof. A refusal is a 401 with
/// `WWW-Authenticate: DPoP error=…, algs=…`; every 401 also offers the DPoP scheme.
/// </summary>
public static class DpopProofs
{
    private const string Scheme = "DPoP";
    private static readonly string s_algorithms = string.Join(' ', DpopProof.Algorithms);

    /// <summary>
    /// In place of UseAuthentication (after UseBearerResponses): the proof is checked before the authentication middleware
    /// runs, which both handlers need, and the binding after it, before any endpoint.
    /// </summary>
    public static IApplicationBuilder UseAuthServerAuthentication(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<IOptions<AuthServerJwtOptions>>().Value.Dpop;
        var clock = app.ApplicationServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var seen = new MemoryCache(new MemoryCacheOptions { SizeLimit = settings.ReplayCacheSize, CompactionPercentage = 0.1 });
        var proofKey = new object();

        app.Use(async (context, next) =>
        {
            var request = context.Request;
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status401Unauthorized
                    && !context.Response.Headers.WWWAuthenticate.Any(value => value?.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) == true))
                {
                    context.Response.Headers.Append("WWW-Authenticate", $"{Scheme} algs=\"{s_algorithms}\"");
                }

                return Task.CompletedTask;
            });

            if (request.Headers.Authorization is { Count: 1 } values && values[0] is { } header
                && header.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase) && header[(Scheme.Length + 1)..].Trim() is { Length: > 0 } token)
            {
                if (request.Headers[Scheme] is not [{ Length: > 0 } compact])
                {
                    Refuse(context, "invalid_dpop_proof", "Send exactly one DPoP proof with a DPoP-bound token.");
                    return;
                }

                var target = new Uri(UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path));
                var proof = DpopProof.Read(compact, request.Method, target, clock.GetUtcNow(), settings.ProofLifetime, settings.ClockSkew, token, out var error);
                if (proof is null)
                {
                    Refuse(context, "invalid_dpop_proof", error);
                    return;
                }

                // One use per proof on this instance; the proof names this API's URI, so no other API accepts it either. The check
                // and the write are one step: parallel requests carrying one proof cannot both find it unseen.
                var key = $"{proof.Thumbprint}\n{proof.Jti}";
                bool first;
                lock (seen)
                {
                    first = seen.Get(key) is null;
                    if (first)
                    {
                        seen.Set(key, proof, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = proof.KeepUntil(settings.ProofLifetime, settings.ClockSkew) });
                    }
                }

                if (!first)
                {
                    Refuse(context, "invalid_dpop_proof", "This DPoP proof was already used: make a new one for each request.");
                    return;
                }

                context.Items[proofKey] = proof;

                // Both handlers read bearer tokens only; the proof has been checked, so the token goes on as one.
                request.Headers.Authorization = "Bearer " + token;
            }

            await next(context);
        });

        app.UseAuthentication();

        return app.Use(async (context, next) =>
        {
            var proof = context.Items[proofKey] as DpopProof;
            if (context.User.Identity?.IsAuthenticated == true)
            {
                var bound = BoundKey(context.User);
                if (proof is null && bound is not null)
                {
                    Refuse(context, "invalid_token", "This access token is DPoP-bound: send it with the DPoP scheme and a proof of its key.");
                    return;
                }

                if (proof is not null && !string.Equals(bound, proof.Thumbprint, StringComparison.Ordinal))
                {
                    Refuse(context, "invalid_token", "The access token is not bound to the key of this DPoP proof.");
                    return;
                }

                if (proof is null && settings.Mode == DpopMode.Required)
                {
                    Refuse(context, "invalid_token", "This API takes DPoP-bound tokens only.");
                    return;
                }
            }

            await next(context);
        });
    }

    /// <summary>The thumbprint in the token's `cnf.jkt`, or null for a bearer token.</summary>
    public static string? BoundKey(ClaimsPrincipal? principal) => DpopProof.BoundKeyOf(principal?.FindFirst("cnf")?.Value);

    private static void Refuse(HttpContext context, string error, string description)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = $"{Scheme} error=\"{error}\", error_description=\"{description}\", algs=\"{s_algorithms}\"";
    }
}
