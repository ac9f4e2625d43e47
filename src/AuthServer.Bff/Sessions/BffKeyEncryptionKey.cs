using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Bff.Sessions;

/// <summary>The key-encryption key (KEK) of the KeyFile and Environment modes, read once.</summary>
public sealed class BffKeyEncryptionKey
{
    public const int Bytes = 32;

    private BffKeyEncryptionKey(byte[] key)
    {
        Key = key;

        // Names the KEK in each encrypted element, so a wrong KEK is told apart from a damaged element.
        Id = Convert.ToHexStringLower(SHA256.HashData(key)[..8]);
    }

    public byte[] Key { get; }

    public string Id { get; }

    public static BffKeyEncryptionKey? Read(BffKeyRingOptions options, out string problem)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? text;
        if (options.Protection == BffKeyRingProtection.KeyFile)
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
        return new BffKeyEncryptionKey(key);
    }

    public static X509Certificate2? LoadCertificate(BffKeyRingOptions options, out string problem)
    {
        ArgumentNullException.ThrowIfNull(options);
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
public sealed class BffKekXmlEncryptor(BffKeyEncryptionKey kek) : IXmlEncryptor
{
    internal const int NonceBytes = 12;
    internal const int TagBytes = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        ArgumentNullException.ThrowIfNull(kek);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceBytes + TagBytes + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(kek.Key, TagBytes))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement("encryptedKey",
            new XComment(" AES-256-GCM under the key-encryption key (Bff:DataProtection:Protection) "),
            new XAttribute("kek", kek.Id),
            new XElement("value", Convert.ToBase64String(sealedBytes)));
        return new EncryptedXmlInfo(element, typeof(BffKekXmlDecryptor));
    }
}

/// <summary>Created by Data Protection from its type name; resolves the KEK from the services, so an instance without it cannot decrypt.</summary>
public sealed class BffKekXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var kek = services.GetService<BffKeyEncryptionKey>()
            ?? throw new CryptographicException("The BFF key ring is encrypted with a key-encryption key, and this instance has none (Bff:DataProtection:Protection).");
        if ((string?)encryptedElement.Attribute("kek") is { } id && id != kek.Id)
        {
            throw new CryptographicException($"The BFF key ring element was encrypted with another key-encryption key ({id}); this instance has {kek.Id}.");
        }

        var sealedBytes = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? "");
        if (sealedBytes.Length < BffKekXmlEncryptor.NonceBytes + BffKekXmlEncryptor.TagBytes)
        {
            throw new CryptographicException("The encrypted BFF key ring element is truncated.");
        }

        var plaintext = new byte[sealedBytes.Length - BffKekXmlEncryptor.NonceBytes - BffKekXmlEncryptor.TagBytes];
        using (var aes = new AesGcm(kek.Key, BffKekXmlEncryptor.TagBytes))
        {
            aes.Decrypt(sealedBytes.AsSpan(0, BffKekXmlEncryptor.NonceBytes), sealedBytes.AsSpan(BffKekXmlEncryptor.NonceBytes + BffKekXmlEncryptor.TagBytes),
                sealedBytes.AsSpan(BffKekXmlEncryptor.NonceBytes, BffKekXmlEncryptor.TagBytes), plaintext);
        }

        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
