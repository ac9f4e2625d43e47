using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace AuthServer.Persistence;

/// <summary>The key-encryption key (KEK) of the KeyFile and Environment modes, read once.</summary>
public sealed class KeyEncryptionKey
{
    public const int Bytes = 32;

    private KeyEncryptionKey(byte[] key)
    {
        Key = key;

        // Names the KEK in each encrypted element, so a wrong KEK is told apart from a damaged element.
        Id = Convert.ToHexStringLower(SHA256.HashData(key)[..8]);
    }

    public byte[] Key { get; }

    public string Id { get; }

    public static KeyEncryptionKey? Read(KeyRingProtectionOptions options, out string problem)
    {
        string? text;
        if (options.Protection == KeyRingProtection.KeyFile)
        {
            if (string.IsNullOrEmpty(options.KeyFile) || !File.Exists(options.KeyFile))
            {
                problem = $"must name an existing file holding a base64 {Bytes * 8}-bit key ('{options.KeyFile}' does not exist).";
                return null;
            }

            text = File.ReadAllText(options.KeyFile);
        }
        else
        {
            text = System.Environment.GetEnvironmentVariable(options.KeyVariable);
            if (string.IsNullOrEmpty(text))
            {
                problem = $"names the variable {options.KeyVariable}, which is not set.";
                return null;
            }
        }

        var key = new byte[Bytes];
        if (!Convert.TryFromBase64String(text.Trim(), key, out var length) || length != Bytes)
        {
            problem = $"must hold one base64 {Bytes * 8}-bit key (`openssl rand -base64 32`).";
            return null;
        }

        problem = "";
        return new KeyEncryptionKey(key);
    }

    public static X509Certificate2? LoadCertificate(KeyRingProtectionOptions options, out string problem)
    {
        if (string.IsNullOrEmpty(options.CertificatePath) || !File.Exists(options.CertificatePath))
        {
            problem = $"must name an existing PKCS#12 file ('{options.CertificatePath}' does not exist).";
            return null;
        }

        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            if (certificate.GetRSAPrivateKey() is { } rsa)
            {
                rsa.Dispose();
                problem = "";
                return certificate;
            }

            certificate.Dispose();
            problem = "holds no RSA private key (Data Protection encrypts the ring with RSA-OAEP).";
            return null;
        }
        catch (CryptographicException ex)
        {
            problem = $"cannot be loaded (wrong password or not PKCS#12): {ex.Message}";
            return null;
        }
    }
}

/// <summary>Encrypts each key-ring element with AES-256-GCM under the KEK; the element is authenticated, so tampering is detected.</summary>
public sealed class KekXmlEncryptor(KeyEncryptionKey kek) : IXmlEncryptor
{
    internal const int NonceBytes = 12;
    internal const int TagBytes = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceBytes + TagBytes + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(kek.Key, TagBytes))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement("encryptedKey",
            new XComment(" AES-256-GCM under the key-encryption key (DataProtection:Protection) "),
            new XAttribute("kek", kek.Id),
            new XElement("value", Convert.ToBase64String(sealedBytes)));
        return new EncryptedXmlInfo(element, typeof(KekXmlDecryptor));
    }
}

/// <summary>Created by Data Protection from its type name; resolves the KEK from the services, so an instance without it cannot decrypt.</summary>
public sealed class KekXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var kek = services.GetService<KeyEncryptionKey>()
            ?? throw new CryptographicException("The key ring is encrypted with a key-encryption key, and this instance has none (DataProtection:Protection).");
        if ((string?)encryptedElement.Attribute("kek") is { } id && id != kek.Id)
        {
            throw new CryptographicException($"The key ring element was encrypted with another key-encryption key ({id}); this instance has {kek.Id}.");
        }

        var sealedBytes = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? "");
        if (sealedBytes.Length < KekXmlEncryptor.NonceBytes + KekXmlEncryptor.TagBytes)
        {
            throw new CryptographicException("The encrypted key ring element is truncated.");
        }

        var plaintext = new byte[sealedBytes.Length - KekXmlEncryptor.NonceBytes - KekXmlEncryptor.TagBytes];
        using (var aes = new AesGcm(kek.Key, KekXmlEncryptor.TagBytes))
        {
            aes.Decrypt(sealedBytes.AsSpan(0, KekXmlEncryptor.NonceBytes), sealedBytes.AsSpan(KekXmlEncryptor.NonceBytes + KekXmlEncryptor.TagBytes),
                sealedBytes.AsSpan(KekXmlEncryptor.NonceBytes, KekXmlEncryptor.TagBytes), plaintext);
        }

        try
        {
            return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
