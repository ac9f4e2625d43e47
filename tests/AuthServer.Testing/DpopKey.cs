using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// A client's DPoP key (ES256, as a browser's WebCrypto makes one) and the proofs it signs (RFC 9449 §4.2), written by
/// hand so that every field can be wrong on purpose: a test changes the header or the claims before signing.
/// </summary>
public sealed class DpopKey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public JsonObject PublicJwk
    {
        get
        {
            var point = _key.ExportParameters(includePrivateParameters: false).Q;
            return new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64UrlEncoder.Encode(point.X), ["y"] = Base64UrlEncoder.Encode(point.Y) };
        }
    }

    /// <summary>RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace.</summary>
    public string Thumbprint
    {
        get
        {
            var jwk = PublicJwk;
            var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{jwk["x"]}}","y":"{{jwk["y"]}}"}""";
            return Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        }
    }

    public string Proof(
        string htu, DateTimeOffset issuedAt, string htm = "POST", string? nonce = null, string? accessToken = null,
        Action<JsonObject>? header = null, Action<JsonObject>? claims = null, DpopKey? signer = null)
    {
        var head = new JsonObject { ["typ"] = "dpop+jwt", ["alg"] = "ES256", ["jwk"] = PublicJwk };
        var body = new JsonObject { ["jti"] = Guid.NewGuid().ToString("N"), ["htm"] = htm, ["htu"] = htu, ["iat"] = issuedAt.ToUnixTimeSeconds() };
        if (nonce is not null)
        {
            body["nonce"] = nonce;
        }

        if (accessToken is not null)
        {
            body["ath"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
        }

        header?.Invoke(head);
        claims?.Invoke(body);
        var input = $"{Base64UrlEncoder.Encode(head.ToJsonString())}.{Base64UrlEncoder.Encode(body.ToJsonString())}";
        var signature = (signer ?? this)._key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>The private key's `d`, for a proof that (wrongly) carries it in its header.</summary>
    public string PrivateD => Base64UrlEncoder.Encode(_key.ExportParameters(includePrivateParameters: true).D);

    public void Dispose() => _key.Dispose();
}
