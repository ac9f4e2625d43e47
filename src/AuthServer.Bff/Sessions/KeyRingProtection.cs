using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
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
