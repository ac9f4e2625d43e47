using System.Security.Cryptography;

namespace AuthServer.Tests.Infrastructure;

/// <summary>Key files as an operator would provision them: an RSA private key in PEM and a base64 AES-256 key.</summary>
public static class KeyFiles
{
    public static (string Signing, string Encryption) Create(string folder, string name = "key")
    {
        var signing = Path.Combine(folder, $"{name}-signing.pem");
        var encryption = Path.Combine(folder, $"{name}-encryption.key");
        using var rsa = RSA.Create(2048);
        File.WriteAllText(signing, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(encryption, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return (signing, encryption);
    }

    /// <summary>A key-encryption key for the Data Protection key ring (DataProtection:Protection=KeyFile), as `openssl rand -base64 32` writes it.</summary>
    public static string CreateKek(string folder, string name = "key-ring")
    {
        var file = Path.Combine(folder, $"{name}.kek");
        File.WriteAllText(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        return file;
    }

    /// <summary>A P-256 key in PKCS#8 ("PRIVATE KEY"), the form `openssl genpkey -algorithm EC` writes.</summary>
    public static string CreateEc(string folder, string name = "key")
    {
        var signing = Path.Combine(folder, $"{name}-signing.pem");
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(signing, ec.ExportPkcs8PrivateKeyPem());
        return signing;
    }
}
