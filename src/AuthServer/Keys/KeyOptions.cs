namespace AuthServer.Keys;

public sealed class KeyOptions
{
    public const string Section = "Keys";

    /// <summary>
    /// PEM private keys (RSA or EC) or PKCS#12 files. The first signs; the others are only published
    /// in the JWKS, so a new key can be announced before it signs and an old one kept until its tokens expire.
    /// </summary>
    public IList<string> SigningKeyFiles { get; } = [];

    /// <summary>
    /// Files holding a base64 256-bit AES key. Refresh tokens and codes are read only by this server,
    /// so symmetric encryption is enough and far cheaper than RSA. The first encrypts; all decrypt.
    /// </summary>
    public IList<string> EncryptionKeyFiles { get; } = [];

    /// <summary>Password of the PKCS#12 signing files, if any (from a secret store, never from appsettings).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Development only: keys are generated here once and reused, so tokens survive restarts and processes can share them.</summary>
    public string DevelopmentKeyFolder { get; set; } = "App_Data/keys";
}
