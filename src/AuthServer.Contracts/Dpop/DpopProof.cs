using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Buffers.Text;
using System.Collections.Concurrent;

namespace AuthServer.Contracts.Dpop;

/// <summary>
/// A DPoP proof (RFC 9449 §4) that passed every check of §4.3 but the two that need state, which the reader of the proof
/// keeps: the `jti` seen before (replay) and the server's nonce. Its key's thumbprint (RFC 7638), `jti`, `iat` and `nonce`.
/// One implementation for the server's token endpoint and for the resource APIs (AuthServer.ResourceServer).
/// </summary>
public sealed record DpopProof(string Thumbprint, string Jti, DateTimeOffset IssuedAt, string? Nonce)
{
    /// <summary>Generous for an RSA-4096 key in the header; anything longer is refused before it is decoded.</summary>
    public const int MaxLength = 8 * 1024;

    /// <summary>Asymmetric algorithms only (§4.3: never `none` or a MAC), advertised as `dpop_signing_alg_values_supported`.</summary>
    public static IReadOnlyList<string> Algorithms { get; } = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"];

    private static readonly string[] s_privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    /// <summary>Proof keys kept imported (see <see cref="Verified"/>).</summary>
    private const int MaxKeptKeys = 10_000;

    private static readonly ConcurrentDictionary<string, AsymmetricAlgorithm> s_keys = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads and checks <paramref name="compact"/> for a request of <paramref name="method"/> to <paramref name="target"/>;
    /// with <paramref name="accessToken"/>, also its `ath`. Returns the proof, or null with the reason in <paramref name="error"/>
    /// (an `error_description`: says what is wrong, never echoes the input).
    /// </summary>
    public static DpopProof? Read(string compact, string method, Uri target, DateTimeOffset now, TimeSpan lifetime, TimeSpan skew, string? accessToken, out string error)
    {
        try
        {
            return ReadChecked(compact, method, target, now, lifetime, skew, accessToken, out error);
        }
        catch (Exception exception) when (exception is JsonException or FormatException or CryptographicException or ArgumentException or InvalidOperationException)
        {
            error = "The DPoP proof is not a well-formed signed JWT.";
            return null;
        }
    }

    private static DpopProof? ReadChecked(string compact, string method, Uri target, DateTimeOffset now, TimeSpan lifetime, TimeSpan skew, string? accessToken, out string error)
    {
        var parts = compact.Length <= MaxLength ? compact.Split('.') : [];
        if (parts is not [{ Length: > 0 } encodedHeader, { Length: > 0 } encodedPayload, { Length: > 0 } encodedSignature])
        {
            error = "The DPoP proof is not a compact JWS of at most 8 KiB.";
            return null;
        }

        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(encodedHeader));
        var head = header.RootElement;
        if (head.ValueKind != JsonValueKind.Object || !string.Equals(Text(head, "typ"), "dpop+jwt", StringComparison.OrdinalIgnoreCase))
        {
            error = "The DPoP proof's 'typ' must be 'dpop+jwt'.";
            return null;
        }

        var algorithm = Text(head, "alg");
        if (algorithm is null || !Algorithms.Contains(algorithm, StringComparer.Ordinal))
        {
            error = $"The DPoP proof's 'alg' must be one of {string.Join(", ", Algorithms)}.";
            return null;
        }

        if (head.TryGetProperty("crit", out _))
        {
            error = "The DPoP proof names critical header parameters this server does not understand.";
            return null;
        }

        if (!head.TryGetProperty("jwk", out var jwk) || jwk.ValueKind != JsonValueKind.Object || s_privateMembers.Any(member => jwk.TryGetProperty(member, out _)))
        {
            error = "The DPoP proof's 'jwk' must be a public key, and only that.";
            return null;
        }

        var signature = Base64Url.DecodeFromChars(encodedSignature);
        var signed = Encoding.ASCII.GetBytes(string.Concat(encodedHeader, ".", encodedPayload));
        if (Verify(algorithm, jwk, signed, signature) is not { } thumbprint)
        {
            error = "The DPoP proof's signature does not verify with its 'jwk', or the key does not fit its 'alg'.";
            return null;
        }

        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(encodedPayload));
        var claims = payload.RootElement;
        if (claims.ValueKind != JsonValueKind.Object || Text(claims, "jti") is not { Length: > 0 and <= 256 } jti)
        {
            error = "The DPoP proof needs a 'jti' of 1 to 256 characters.";
            return null;
        }

        if (!string.Equals(Text(claims, "htm"), method, StringComparison.Ordinal))
        {
            error = "The DPoP proof's 'htm' is not this request's method.";
            return null;
        }

        if (!Uri.TryCreate(Text(claims, "htu"), UriKind.Absolute, out var htu) || !SameTarget(htu, target))
        {
            error = "The DPoP proof's 'htu' is not this request's URI.";
            return null;
        }

        var issuedAt = claims.TryGetProperty("iat", out var iat) && iat.ValueKind == JsonValueKind.Number && iat.TryGetDouble(out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Clamp(seconds * 1000, 0, 253402300799000))
            : (DateTimeOffset?)null;
        if (issuedAt is null || issuedAt > now + skew || issuedAt < now - lifetime - skew)
        {
            error = "The DPoP proof's 'iat' is missing or not recent; make a new proof for each request.";
            return null;
        }

        if (accessToken is not null && !string.Equals(Text(claims, "ath"), AccessTokenHash(accessToken), StringComparison.Ordinal))
        {
            error = "The DPoP proof's 'ath' is not the hash of the access token it comes with.";
            return null;
        }

        error = "";
        return new DpopProof(thumbprint, jti, issuedAt.Value, Text(claims, "nonce"));
    }

    /// <summary>The key thumbprint an access token's `cnf` claim (its JSON text) binds it to (`jkt`), or null for a bearer token.</summary>
    public static string? BoundKeyOf(string? confirmation)
    {
        if (string.IsNullOrEmpty(confirmation))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(confirmation);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("jkt", out var jkt)
                && jkt.ValueKind == JsonValueKind.String ? jkt.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Until when a proof must be remembered to refuse its replay: past it, its `iat` fails the freshness check anyway.</summary>
    public DateTimeOffset KeepUntil(TimeSpan lifetime, TimeSpan skew) => IssuedAt + lifetime + 2 * skew;

    /// <summary>`ath` (RFC 9449 §4.2): the base64url SHA-256 of the access token's ASCII.</summary>
    public static string AccessTokenHash(string accessToken) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));

    /// <summary>RFC 9449 §4.3 step 9: scheme and authority compared after normalization (RFC 3986 §6), query and fragment ignored.</summary>
    private static bool SameTarget(Uri htu, Uri target) =>
        htu.Scheme is "https" or "http"
        && string.Equals(htu.GetLeftPart(UriPartial.Path), target.GetLeftPart(UriPartial.Path), StringComparison.OrdinalIgnoreCase)
        && string.Equals(htu.AbsolutePath, target.AbsolutePath, StringComparison.Ordinal);

    /// <summary>The key's RFC 7638 thumbprint when the signature verifies with it, or null.</summary>
    private static string? Verify(string algorithm, JsonElement jwk, byte[] signed, byte[] signature)
    {
        var hash = algorithm[2..] switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };

        switch (Text(jwk, "kty"))
        {
            case "EC" when algorithm.StartsWith("ES", StringComparison.Ordinal):
                var (curve, size) = algorithm switch
                {
                    "ES256" => (ECCurve.NamedCurves.nistP256, 32),
                    "ES384" => (ECCurve.NamedCurves.nistP384, 48),
                    _ => (ECCurve.NamedCurves.nistP521, 66),
                };
                var crv = Text(jwk, "crv");
                var (x, y) = (Base64Url.DecodeFromChars(Text(jwk, "x") ?? ""), Base64Url.DecodeFromChars(Text(jwk, "y") ?? ""));
                if (crv != $"P-{(size == 66 ? 521 : size * 8)}" || x.Length != size || y.Length != size || signature.Length != 2 * size)
                {
                    return null;
                }

                var canonicalEc = $$"""{"crv":"{{crv}}","kty":"EC","x":"{{Base64Url.EncodeToString(x)}}","y":"{{Base64Url.EncodeToString(y)}}"}""";
                return Verified(canonicalEc, () => ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } }),
                    ec => ec.VerifyData(signed, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

            case "RSA" when algorithm.StartsWith("RS", StringComparison.Ordinal) || algorithm.StartsWith("PS", StringComparison.Ordinal):
                var (n, e) = (Base64Url.DecodeFromChars(Text(jwk, "n") ?? ""), Base64Url.DecodeFromChars(Text(jwk, "e") ?? ""));
                if (n.Length < 256 || n.Length > 1024 || e.Length is 0 or > 8)
                {
                    return null;
                }

                var padding = algorithm.StartsWith("PS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
                var canonicalRsa = $$"""{"e":"{{Base64Url.EncodeToString(e)}}","kty":"RSA","n":"{{Base64Url.EncodeToString(n)}}"}""";
                return Verified(canonicalRsa, () => RSA.Create(new RSAParameters { Modulus = n, Exponent = e }),
                    rsa => rsa.VerifyData(signed, signature, hash, padding));

            default:
                return null;
        }
    }

    /// <summary>
    /// The key's thumbprint when <paramref name="verify"/> passes with it, or null. A client signs every proof with the same
    /// key, and importing it cost twice the verification (140 against 64 µs for P-256, measured): keys that verified a
    /// signature are kept, by their canonical JWK, and used under a lock (an instance is not documented as safe to share
    /// between threads). At most <see cref="MaxKeptKeys"/>: past it the set starts again, so a flood of fresh keys costs
    /// imports, never memory. Kept keys are left to the collector, never disposed while another request may hold one.
    /// </summary>
    private static string? Verified<TKey>(string canonicalJwk, Func<TKey> import, Func<TKey, bool> verify)
        where TKey : AsymmetricAlgorithm
    {
        if (s_keys.TryGetValue(canonicalJwk, out var kept) && kept is TKey known)
        {
            lock (known)
            {
                return verify(known) ? ThumbprintOf(canonicalJwk) : null;
            }
        }

        var key = import();
        if (!verify(key))
        {
            key.Dispose();
            return null;
        }

        if (s_keys.Count >= MaxKeptKeys)
        {
            s_keys.Clear();
        }

        s_keys.TryAdd(canonicalJwk, key);
        return ThumbprintOf(canonicalJwk);
    }

    private static string ThumbprintOf(string canonicalJwk) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJwk)));

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
