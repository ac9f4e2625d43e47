using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Keys;

/// <summary>
/// One set of the server's signing and encryption keys: loaded once at start from files, or rebuilt from the database
/// whenever the managed keys change (<see cref="KeyRingSource"/>). Every instance must hold the same set: refresh tokens
/// are encrypted, so an instance without the key cannot redeem another's tokens. The order matters: the first signing
/// key signs access tokens, the first RSA key identity tokens, the first encryption key encrypts; the rest only verify,
/// decrypt and are published.
/// </summary>
public sealed class KeyRing
{
    private const int AesKeyBytes = KeyFileInspection.AesKeyBytes;
    private const string DevelopmentAccessTokenKeyFile = "signing-ec.pem";
    private const string DevelopmentSigningFile = "signing-rsa.pem";
    private const string DevelopmentEncryptionFile = "encryption-aes.key";

    public required IReadOnlyList<SecurityKey> SigningKeys { get; init; }

    public required IReadOnlyList<SymmetricSecurityKey> EncryptionKeys { get; init; }

    /// <summary>
    /// HMAC keys for the inner signature of refresh tokens and codes, which only this server reads: one per
    /// encryption key (derived with HKDF, so no extra file to distribute), the first signs, all verify.
    /// </summary>
    public IReadOnlyList<SymmetricSecurityKey> ServerOnlySigningKeys => _serverOnly ??= [.. EncryptionKeys.Select(DeriveSigningKey)];

    private IReadOnlyList<SymmetricSecurityKey>? _serverOnly;
    private SigningCredentials? _accessTokens;
    private SigningCredentials? _identityTokens;
    private SigningCredentials? _serverOnlySigning;
    private EncryptingCredentials? _encryption;

    /// <summary>Signs access tokens and Security Event Tokens: the first signing key (RFC 9068 §2.1).</summary>
    public SigningCredentials AccessTokenCredentials => _accessTokens ??= Credentials(SigningKeys[0]);

    /// <summary>
    /// Signs identity and logout tokens: the first RSA key, because OpenID Connect requires RS256 of every provider (Core
    /// §15.1); EC only when no RSA key is configured.
    /// </summary>
    public SigningCredentials IdentityTokenCredentials => _identityTokens ??= Credentials(SigningKeys.FirstOrDefault(key => key is RsaSecurityKey) ?? SigningKeys[0]);

    /// <summary>The inner signature of refresh tokens and codes.</summary>
    public SigningCredentials ServerOnlyCredentials => _serverOnlySigning ??= new(ServerOnlySigningKeys[0], SecurityAlgorithms.HmacSha256);

    public EncryptingCredentials EncryptionCredentials => _encryption ??= Encrypting(EncryptionKeys[0]);

    /// <summary>The key ids in order: two rings with the same fingerprint sign, publish and decrypt alike.</summary>
    public string Fingerprint => string.Join(' ', SigningKeys.Select(key => key.KeyId)) + " | " + string.Join(' ', EncryptionKeys.Select(key => key.KeyId));

    public static SigningCredentials Credentials(SecurityKey key) => new(key, key switch
    {
        ECDsaSecurityKey { ECDsa.KeySize: 384 } => SecurityAlgorithms.EcdsaSha384,
        ECDsaSecurityKey { ECDsa.KeySize: 521 } => SecurityAlgorithms.EcdsaSha512,
        ECDsaSecurityKey => SecurityAlgorithms.EcdsaSha256,
        _ => SecurityAlgorithms.RsaSha256,
    });

    public static EncryptingCredentials Encrypting(SymmetricSecurityKey key) =>
        new(key, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512);

    /// <summary>Files or the Development folder; automatic keys come from <see cref="ManagedKeys"/> once the database is ready.</summary>
    public static KeyRing Load(KeyOptions options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options.SourceIn(environment))
        {
            case KeySource.DevelopmentFolder:
                return LoadDevelopmentKeys(Path.Combine(environment.ContentRootPath, options.DevelopmentKeyFolder));
            case KeySource.Automatic:
                throw new InvalidOperationException("Automatic keys are loaded from the database, not from files.");
        }

        if (options.SigningKeyFiles.Count == 0 || options.EncryptionKeyFiles.Count == 0)
        {
            throw new InvalidOperationException(
                "Keys:SigningKeyFiles and Keys:EncryptionKeyFiles must both name key files; see docs/operations.md to create them.");
        }

        return new KeyRing
        {
            SigningKeys = [.. options.SigningKeyFiles.Select(file => LoadSigningKey(file, options.CertificatePassword))],
            EncryptionKeys = [.. options.EncryptionKeyFiles.Select(LoadEncryptionKey)],
        };
    }

    /// <summary>
    /// P-256 first, so access tokens are ES256 (an ECDSA signature is far cheaper to make than an RSA-2048 one, and one
    /// is made at every refresh; figures in docs/benchmarks.md); RSA-2048 second, for identity tokens, where OpenID
    /// Connect requires RS256. Each file is generated once, when absent.
    /// </summary>
    public static KeyRing LoadDevelopmentKeys(string folder)
    {
        Directory.CreateDirectory(folder);
        var accessTokenFile = Path.Combine(folder, DevelopmentAccessTokenKeyFile);
        var signingFile = Path.Combine(folder, DevelopmentSigningFile);
        var encryptionFile = Path.Combine(folder, DevelopmentEncryptionFile);

        // Two processes may start together on one folder: the first to create the file wins, the other reads it.
        WriteOnce(accessTokenFile, () =>
        {
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return ec.ExportECPrivateKeyPem();
        });
        WriteOnce(signingFile, () =>
        {
            using var rsa = RSA.Create(2048);
            return rsa.ExportPkcs8PrivateKeyPem();
        });
        WriteOnce(encryptionFile, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(AesKeyBytes)));

        return new KeyRing
        {
            SigningKeys = [LoadSigningKey(accessTokenFile, password: null), LoadSigningKey(signingFile, password: null)],
            EncryptionKeys = [LoadEncryptionKey(encryptionFile)],
        };
    }

    private static void WriteOnce(string path, Func<string> content)
    {
        if (File.Exists(path))
        {
            return;
        }

        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.Delete(temporary);
        OwnerOnlyFile.Create(temporary, content());

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
    }

    private static SecurityKey LoadSigningKey(string file, string? password)
    {
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"Signing key file '{file}' does not exist.");
        }

        return WithThumbprintKeyId(KeyFileInspection.LoadAsymmetric(file, password));
    }

    /// <summary>The key id is the RFC 7638 thumbprint, so every instance derives the same `kid` from the same key.</summary>
    public static SecurityKey WithThumbprintKeyId(AsymmetricAlgorithm algorithm)
    {
        SecurityKey key = algorithm switch
        {
            RSA rsa => new RsaSecurityKey(rsa),
            ECDsa ec => new ECDsaSecurityKey(ec),
            _ => throw new InvalidOperationException("Only RSA and EC signing keys are supported."),
        };
        var jwk = key is RsaSecurityKey r ? JsonWebKeyConverter.ConvertFromRSASecurityKey(r) : JsonWebKeyConverter.ConvertFromECDsaSecurityKey((ECDsaSecurityKey)key);
        key.KeyId = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return key;
    }

    private static SymmetricSecurityKey DeriveSigningKey(SymmetricSecurityKey encryptionKey)
    {
        var bytes = HKDF.DeriveKey(HashAlgorithmName.SHA256, encryptionKey.Key, AesKeyBytes, info: "AuthServer server-only token signing"u8.ToArray());
        return new SymmetricSecurityKey(bytes) { KeyId = "hs-" + Base64UrlEncoder.Encode(SHA256.HashData(bytes)[..8]) };
    }

    private static SymmetricSecurityKey LoadEncryptionKey(string file)
    {
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"Encryption key file '{file}' does not exist.");
        }

        var bytes = Convert.FromBase64String(File.ReadAllText(file).Trim());
        if (bytes.Length != AesKeyBytes)
        {
            throw new InvalidOperationException($"Encryption key file '{file}' must hold a base64 {AesKeyBytes * 8}-bit key.");
        }

        var key = new SymmetricSecurityKey(bytes);
        key.KeyId = Base64UrlEncoder.Encode(SHA256.HashData(bytes)[..8]);
        return key;
    }
}
