using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer.Tests.Infrastructure;

public enum Forgery
{
    FlippedSignatureByte,
    AlgNone,
    Hs256WithThePublicKey,
    OtherKeyWithTheSameKid,
    EditedPayload,
    RealKeyButTypJwt,
    RealKeyButRs384,
}

/// <summary>Turns a genuine access token into the forgeries an attacker would try first.</summary>
public static class Forger
{
    // Generating an RSA key costs tens of milliseconds; one unpublished key serves every random-kid token.
    private static readonly RSA UnpublishedKey = RSA.Create(2048);

    public static string Forge(Forgery forgery, string token, JsonWebKey publicKey, RSA serverKey) => forgery switch
    {
        Forgery.RealKeyButTypJwt => Resign(token, serverKey, typ: "JWT"),
        Forgery.RealKeyButRs384 => Resign(token, serverKey, alg: "RS384"),
        Forgery.FlippedSignatureByte => FlipSignatureByte(token),
        Forgery.AlgNone => Compose(Header(token, "none"), Part(token, 1), []),
        Forgery.Hs256WithThePublicKey => SignHs256(token, Encoding.ASCII.GetBytes(PublicKeyPem(publicKey))),
        Forgery.OtherKeyWithTheSameKid => SignWithFreshRsa(Header(token, "RS256"), Part(token, 1)),
        Forgery.EditedPayload => Compose(Part(token, 0), EditPayload(Part(token, 1)), Base64UrlEncoder.DecodeBytes(Part(token, 2))),
        _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
    };

    /// <summary>The same claims, signed by a key nobody published, under a kid nobody published.</summary>
    public static string WithRandomKid(string token)
    {
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(Part(token, 0)))!.AsObject();
        header["kid"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var encoded = Base64UrlEncoder.Encode(header.ToJsonString());
        var payload = Part(token, 1);
        return Compose(encoded, payload, UnpublishedKey.SignData(Encoding.ASCII.GetBytes($"{encoded}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>Signed with the server's own key: proves a refusal comes from the header check, not the signature.</summary>
    public static string Resign(string token, RSA serverKey, string? typ = null, string alg = "RS256")
    {
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(Part(token, 0)))!.AsObject();
        header["alg"] = alg;
        if (typ is not null)
        {
            header["typ"] = typ;
        }

        var encoded = Base64UrlEncoder.Encode(header.ToJsonString());
        var payload = Part(token, 1);
        var hash = alg == "RS384" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
        return Compose(encoded, payload, serverKey.SignData(Encoding.ASCII.GetBytes($"{encoded}.{payload}"), hash, RSASignaturePadding.Pkcs1));
    }

    /// <summary>The same claims under an ES256 header naming the given kid, signed with that EC key.</summary>
    public static string ResignEs256(string token, ECDsa key, string kid)
    {
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(Part(token, 0)))!.AsObject();
        header["alg"] = "ES256";
        header["kid"] = kid;
        var encoded = Base64UrlEncoder.Encode(header.ToJsonString());
        var payload = Part(token, 1);
        return Compose(encoded, payload, key.SignData(Encoding.ASCII.GetBytes($"{encoded}.{payload}"), HashAlgorithmName.SHA256));
    }

    private static string FlipSignatureByte(string token)
    {
        var signature = Base64UrlEncoder.DecodeBytes(Part(token, 2));
        signature[signature.Length / 2] ^= 0x01;
        return Compose(Part(token, 0), Part(token, 1), signature);
    }

    private static string SignHs256(string token, byte[] secret)
    {
        var header = Header(token, "HS256");
        var payload = Part(token, 1);
        return Compose(header, payload, HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes($"{header}.{payload}")));
    }

    private static string SignWithFreshRsa(string header, string payload)
    {
        using var rsa = RSA.Create(2048);
        var signature = rsa.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Compose(header, payload, signature);
    }

    private static string EditPayload(string payload)
    {
        var claims = JsonNode.Parse(Base64UrlEncoder.Decode(payload))!.AsObject();
        claims["sub"] = "someone-else";
        return Base64UrlEncoder.Encode(claims.ToJsonString());
    }

    /// <summary>The original header (kid, typ kept) with another alg.</summary>
    private static string Header(string token, string alg)
    {
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(Part(token, 0)))!.AsObject();
        header["alg"] = alg;
        return Base64UrlEncoder.Encode(header.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    private static string PublicKeyPem(JsonWebKey key)
    {
        using var rsa = RSA.Create(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(key.N), Exponent = Base64UrlEncoder.DecodeBytes(key.E) });
        return rsa.ExportSubjectPublicKeyInfoPem();
    }

    private static string Part(string token, int index) => token.Split('.')[index];

    private static string Compose(string header, string payload, byte[] signature) => $"{header}.{payload}.{Base64UrlEncoder.Encode(signature)}";
}
