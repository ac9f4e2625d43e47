using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using AuthServer.Settings;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace AuthServer.Persistence;

public enum KeyRingProtection
{
    None,

    /// <summary>An X.509 certificate with its private key (PKCS#12): the Data Protection built-in certificate encryption.</summary>
    Certificate,

    /// <summary>A base64 256-bit key-encryption key in a file (a mounted secret).</summary>
    KeyFile,

    /// <summary>A base64 256-bit key-encryption key in an environment variable.</summary>
    Environment,
}

/// <summary>
/// How the Data Protection key ring is encrypted at rest. The ring decrypts login cookies, antiforgery tokens and the
/// stored signing keys, and it lives in the database: a database reader without this protection could forge all of them.
/// </summary>
public sealed class KeyRingProtectionOptions
{
    public const string Section = "DataProtection";

    /// <summary>Required outside Development unless <see cref="AllowUnprotected"/>.</summary>
    public KeyRingProtection Protection { get; set; } = KeyRingProtection.None;

    /// <summary>Certificate: a PKCS#12 file with the private key.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Certificate: the PKCS#12 password (from a secret store, never from appsettings).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>KeyFile: the file holding the base64 key-encryption key (`openssl rand -base64 32`).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Environment: the variable holding the base64 key-encryption key.</summary>
    public string KeyVariable { get; set; } = "AUTHSERVER_KEY_RING_KEK";

    /// <summary>The explicit escape outside Development (a database already encrypted and access-controlled as a secret).</summary>
    public bool AllowUnprotected { get; set; }
}

public sealed class KeyRingProtectionValidator(IHostEnvironment environment) : IValidateOptions<KeyRingProtectionOptions>
{
    private const string Prefix = KeyRingProtectionOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, KeyRingProtectionOptions options)
    {
        var failures = new List<string>();
        switch (options.Protection)
        {
            case KeyRingProtection.None when !environment.IsDevelopment() && !options.AllowUnprotected:
                failures.Add($"{Prefix}Protection must be Certificate, KeyFile or Environment outside Development: the key ring in the database " +
                    $"would decrypt login cookies and the stored signing keys for anyone who can read it ({Prefix}AllowUnprotected=true to accept that).");
                break;
            case KeyRingProtection.Certificate:
                if (KeyEncryptionKey.LoadCertificate(options, out var problem) is { } certificate)
                {
                    certificate.Dispose();
                }
                else
                {
                    failures.Add($"{Prefix}CertificatePath {problem}");
                }

                break;
            case KeyRingProtection.KeyFile or KeyRingProtection.Environment:
                if (KeyEncryptionKey.Read(options, out var error) is null)
                {
                    failures.Add(options.Protection == KeyRingProtection.KeyFile ? $"{Prefix}KeyFile {error}" : $"{Prefix}KeyVariable {error}");
                }

                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

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

public static class KeyRingProtectionSetup
{
    /// <summary>
    /// Wires the configured protection into Data Protection. Read before start, because the certificate mode uses the
    /// framework's own registration; a setting that does not hold is left unwired here and reported by the validator.
    /// </summary>
    public static IDataProtectionBuilder ProtectKeyRing(this IDataProtectionBuilder builder, IConfiguration configuration, IHostEnvironment environment)
    {
        builder.Services.AddSingleton<IValidateOptions<KeyRingProtectionOptions>, KeyRingProtectionValidator>();
        var options = configuration.ReadBeforeStart<KeyRingProtectionOptions>(KeyRingProtectionOptions.Section);
        switch (options.Protection)
        {
            case KeyRingProtection.Certificate when KeyEncryptionKey.LoadCertificate(options, out _) is { } certificate:
                builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
                break;
            case KeyRingProtection.KeyFile or KeyRingProtection.Environment when KeyEncryptionKey.Read(options, out _) is { } kek:
                builder.Services.AddSingleton(kek);
                builder.Services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(ring => ring.XmlEncryptor = new KekXmlEncryptor(kek));
                break;
            case KeyRingProtection.None when environment.IsDevelopment():
                // Development keeps the ring unencrypted in its own database by design (the validator allows None only there, and
                // `check` reports it): said here once, each key marked unencrypted, instead of the framework warning at every new key.
                // Outside Development None needs AllowUnprotected, and there the framework's warning stays.
                builder.Services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(ring => ring.XmlEncryptor = new NullXmlEncryptor());
                break;
        }

        return builder;
    }
}
