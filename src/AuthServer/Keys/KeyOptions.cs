using System.ComponentModel.DataAnnotations;

namespace AuthServer.Keys;

/// <summary>Where the keys come from: the operator's files, a generated folder (Development), or the database (automatic).</summary>
public enum KeySource
{
    Files,
    DevelopmentFolder,
    Automatic,
}

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

    /// <summary>Keys created, rotated and retired in the database. Unset: on outside Development, off in it. Key files, when listed, win.</summary>
    public bool? Automatic { get; set; }

    /// <summary>How long each managed key signs or encrypts before its successor takes over.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "730.00:00:00")]
    public TimeSpan ActivePeriod { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How long a managed key is published before it is used: longer than any resource server caches the JWKS, so every
    /// API knows a key before the first token it signs arrives.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "180.00:00:00")]
    public TimeSpan AnnouncePeriod { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How often each instance re-reads the managed keys (a read of a few rows): the bound on how long a revocation or
    /// rotation takes to reach every instance, and so on how long another instance may still sign with a revoked key.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// An emergency rotation publishes the new keys at once and signs with them this much later, so that every instance
    /// publishes them (<see cref="RefreshInterval"/>) and every API on the revocation feed has fetched them (its poll
    /// interval, 1 s) before the first token they sign arrives. 0 signs at once. A revocation is never delayed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan PublicationDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Both file lists given (or either one outside Development): files, as before automatic management. Otherwise the
    /// database outside Development, or when asked for; the generated folder in Development.
    /// </summary>
    public KeySource SourceIn(IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var development = environment.IsDevelopment();
        var bothFiles = SigningKeyFiles.Count > 0 && EncryptionKeyFiles.Count > 0;
        var anyFiles = SigningKeyFiles.Count > 0 || EncryptionKeyFiles.Count > 0;
        if (bothFiles || (!development && anyFiles))
        {
            return KeySource.Files;
        }

        return Automatic ?? !development ? KeySource.Automatic
            : development ? KeySource.DevelopmentFolder
            : KeySource.Files;
    }
}
