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
