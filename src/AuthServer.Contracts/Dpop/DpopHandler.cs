using System.Net;

namespace AuthServer.Contracts.Dpop;

/// <summary>
/// DPoP for a .NET client's HttpClient (RFC 9449): every request without credentials (the token endpoint) and every
/// request sent with `Authorization: DPoP &lt;token&gt;` (an API) gets a fresh proof of <see cref="DpopSigner"/>'s key, with
/// `ath` for the token. A server that asks for a nonce (`use_dpop_nonce` with a `DPoP-Nonce` header, §8 and §9) gets
/// the request again once with it, and the latest nonce goes with every later request. Requests sent as `Bearer` are
/// left alone.
/// </summary>
public sealed class DpopHandler(DpopSigner signer, TimeProvider? clock = null) : DelegatingHandler
{
    private const string NonceHeader = "DPoP-Nonce";
    private const string UseNonce = "use_dpop_nonce";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private string? _nonce;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var authorization = request.Headers.Authorization;
        if (authorization is not null && !string.Equals(authorization.Scheme, "DPoP", StringComparison.OrdinalIgnoreCase))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var response = await SendWithProofAsync(request, authorization?.Parameter, cancellationToken);
        if (await AsksForNonceAsync(response, cancellationToken))
        {
            response.Dispose();
            response = await SendWithProofAsync(request, authorization?.Parameter, cancellationToken);
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendWithProofAsync(HttpRequestMessage request, string? accessToken, CancellationToken cancellationToken)
    {
        request.Headers.Remove("DPoP");
        request.Headers.Add("DPoP", signer.Proof(request.Method.Method, request.RequestUri!, _clock.GetUtcNow(), accessToken, _nonce));
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues(NonceHeader, out var nonces) && nonces.FirstOrDefault() is { Length: > 0 } nonce)
        {
            _nonce = nonce;
        }

        return response;
    }

    /// <summary>True when the answer is "use this nonce" and one came with it: at an API a 401 challenge, at the token endpoint a 400 body.</summary>
    private static async Task<bool> AsksForNonceAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.Headers.Contains(NonceHeader))
        {
            return false;
        }

        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => response.Headers.WwwAuthenticate.Any(challenge => challenge.Parameter?.Contains(UseNonce, StringComparison.Ordinal) == true),
            HttpStatusCode.BadRequest => (await response.Content.ReadAsStringAsync(cancellationToken)).Contains($"\"{UseNonce}\"", StringComparison.Ordinal),
            _ => false,
        };
    }
}
