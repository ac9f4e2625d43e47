using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AuthServer.Bff.Sessions;

/// <summary>How the BFF's Data Protection key ring is encrypted at rest (the same modes as the server's own ring).</summary>
public enum BffKeyRingProtection
{
    None,

    /// <summary>An X.509 certificate with its RSA private key (PKCS#12): the Data Protection built-in certificate encryption.</summary>
    Certificate,

    /// <summary>A base64 256-bit key-encryption key in a file (a mounted secret).</summary>
    KeyFile,

    /// <summary>A base64 256-bit key-encryption key in an environment variable.</summary>
    Environment,
}

/// <summary>
/// The `Bff:DataProtection` block. The ring decrypts every session ticket (the users' refresh tokens) and signs every
/// session cookie, and it lives in the session database: a reader of that database without this protection holds both.
/// </summary>
public sealed class BffKeyRingOptions
{
    /// <summary>Required outside Development for a database session store, unless <see cref="AllowUnprotected"/>.</summary>
    public BffKeyRingProtection Protection { get; set; } = BffKeyRingProtection.None;

    /// <summary>Certificate: a PKCS#12 file with the private key.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Certificate: the PKCS#12 password (from a secret store, never from appsettings).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>KeyFile: the file holding the base64 key-encryption key (`openssl rand -base64 32`).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Environment: the variable holding the base64 key-encryption key.</summary>
    public string KeyVariable { get; set; } = "AUTHSERVER_BFF_KEY_RING_KEK";

    /// <summary>The explicit escape outside Development (a session database already encrypted and access-controlled as a secret).</summary>
    public bool AllowUnprotected { get; set; }
}

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

public static class BffKeyRingSetup
{
    private const string Prefix = AuthServerBffOptions.Section + ":DataProtection:";

    /// <summary>
    /// Wires the configured protection into Data Protection. Read before start, because the certificate mode uses the
    /// framework's own registration; a setting that does not hold is left unwired here and reported at start by <see cref="Validate"/>.
    /// </summary>
    public static IDataProtectionBuilder ProtectKeyRing(this IDataProtectionBuilder builder, BffKeyRingOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Protection)
        {
            case BffKeyRingProtection.Certificate when BffKeyEncryptionKey.LoadCertificate(options, out _) is { } certificate:
                builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
                break;
            case BffKeyRingProtection.KeyFile or BffKeyRingProtection.Environment when BffKeyEncryptionKey.Read(options, out _) is { } kek:
                builder.Services.AddSingleton(kek);
                builder.Services.Configure<KeyManagementOptions>(ring => ring.XmlEncryptor = new BffKekXmlEncryptor(kek));
                break;
        }

        return builder;
    }

    /// <summary>The `Bff:DataProtection` rules, each failure naming its setting.</summary>
    internal static IEnumerable<string> Validate(AuthServerBffOptions options, IHostEnvironment environment)
    {
        var ring = options.DataProtection;
        switch (ring.Protection)
        {
            // The memory store keeps no session database, so there is no ring beside the tickets to protect.
            case BffKeyRingProtection.None when options.SessionStore != BffSessionStore.Memory && !environment.IsDevelopment() && !ring.AllowUnprotected:
                yield return $"{Prefix}Protection must be Certificate, KeyFile or Environment outside Development: the key ring in the session database " +
                    $"would decrypt every session's tokens and forge session cookies for anyone who can read it ({Prefix}AllowUnprotected=true to accept that).";
                break;
            case BffKeyRingProtection.Certificate:
                if (BffKeyEncryptionKey.LoadCertificate(ring, out var problem) is { } certificate)
                {
                    certificate.Dispose();
                }
                else
                {
                    yield return $"{Prefix}CertificatePath {problem}";
                }

                break;
            case BffKeyRingProtection.KeyFile or BffKeyRingProtection.Environment:
                if (BffKeyEncryptionKey.Read(ring, out var error) is null)
                {
                    yield return ring.Protection == BffKeyRingProtection.KeyFile ? $"{Prefix}KeyFile {error}" : $"{Prefix}KeyVariable {error}";
                }

                break;
        }
    }
}
