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
