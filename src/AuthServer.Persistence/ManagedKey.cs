namespace AuthServer.Persistence;

/// <summary>
/// One signing or encryption key under automatic management (docs/decisions/012-key-lifecycle.md). Its state follows from
/// the dates and the other keys of its use: announced before <see cref="ActivatesAt"/>, active until a later generation
/// activates, retired (published, still validating and decrypting) for the longest lifetime of what it protected, then
/// deleted. The private part is stored only as a Data Protection payload. Dates are UTC.
/// </summary>
public sealed class ManagedKey
{
    public const int KidLength = 64;
    public const int UseLength = 16;
    public const int AlgorithmLength = 16;
    public const int ActorLength = 200;

    /// <summary>The `kid`: the RFC 7638 thumbprint for signing keys, random for encryption keys.</summary>
    public string Kid { get; set; } = "";

    /// <summary>access (ES256 access tokens), identity (RS256 identity tokens) or encryption (refresh tokens and codes).</summary>
    public string Use { get; set; } = "";

    /// <summary>
    /// 1, 2, 3 … per use, unique with it: two instances that both decide to create the next key insert the same
    /// (use, generation), so exactly one insert succeeds and the other instance reads the winner's key.
    /// </summary>
    public int Generation { get; set; }

    public string Algorithm { get; set; } = "";

    /// <summary>The private key (PKCS#8, or the raw AES key), protected with the Data Protection key ring.</summary>
    public string ProtectedKey { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    /// <summary>Announced (published only) before this date; signs or encrypts from it.</summary>
    public DateTime ActivatesAt { get; set; }

    /// <summary>The planned end of the active period: the next key is created an announce period before it.</summary>
    public DateTime RetiresAt { get; set; }

    /// <summary>Set by an emergency revocation: never loaded again, so unpublished and unusable on every instance.</summary>
    public DateTime? RevokedAt { get; set; }

    /// <summary>Who created or revoked it: an instance (schedule) or an operator.</summary>
    public string? Actor { get; set; }
}
