using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AuthServer.Contracts.Dpop;

/// <summary>
/// The client's side of DPoP (RFC 9449 §4): a P-256 key and the proof it signs for each request (ES256, a random `jti`,
/// `htm`, `htu`, `iat`, and `ath` when an access token goes with it). For .NET clients (the CLI, the load tool); a browser
/// uses WebCrypto through its OIDC library instead.
/// </summary>
public sealed class DpopSigner : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public DpopSigner()
    {
        var point = _key.ExportParameters(includePrivateParameters: false).Q;
        (X, Y) = (Base64Url.EncodeToString(point.X), Base64Url.EncodeToString(point.Y));
        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{X}}","y":"{{Y}}"}""")));
    }

    /// <summary>RFC 7638: what the server puts in `cnf.jkt`, and what `dpop_jkt` names at the authorization endpoint.</summary>
    public string Thumbprint { get; }

    /// <summary>The public key's coordinates, as its JWK carries them.</summary>
    public string X { get; }

    public string Y { get; }

    public string Proof(string method, Uri target, DateTimeOffset now, string? accessToken = null, string? nonce = null)
    {
        var header = new Dictionary<string, object> { ["typ"] = "dpop+jwt", ["alg"] = "ES256", ["jwk"] = new Dictionary<string, string> { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = X, ["y"] = Y } };
        var claims = new Dictionary<string, object>
        {
            ["jti"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            ["htm"] = method,
            ["htu"] = target.GetLeftPart(UriPartial.Path),
            ["iat"] = now.ToUnixTimeSeconds(),
        };
        if (accessToken is not null)
        {
            claims["ath"] = DpopProof.AccessTokenHash(accessToken);
        }

        if (nonce is not null)
        {
            claims["nonce"] = nonce;
        }

        var input = $"{Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    }

    public void Dispose() => _key.Dispose();
}
