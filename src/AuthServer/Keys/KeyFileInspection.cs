using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AuthServer.Keys;

/// <summary>What a key file holds, and what is wrong with it, named by the setting that lists it.</summary>
public sealed record KeyFileReport(string Setting, string File, string? Kind, IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings)
{
    /// <summary>Listed in Keys:SigningKeyFiles (else Keys:EncryptionKeyFiles).</summary>
    public bool Signs { get; init; }

    public bool IsUsable => Problems.Count == 0;
}

/// <summary>
/// Reads key files the way the key ring will, without keeping the keys: a file that is missing, of the wrong kind,
/// too small or without its private part is reported before the server is started for real.
/// </summary>
public static class KeyFileInspection
{
    public const int MinimumRsaBits = 2048;
    public const int AesKeyBytes = 32;

    public static IEnumerable<KeyFileReport> Inspect(KeyOptions options) =>
        options.SigningKeyFiles.Select((file, i) => InspectSigningKey($"{KeyOptions.Section}:{nameof(KeyOptions.SigningKeyFiles)}:{i}", file, options.CertificatePassword))
            .Concat(options.EncryptionKeyFiles.Select((file, i) => InspectEncryptionKey($"{KeyOptions.Section}:{nameof(KeyOptions.EncryptionKeyFiles)}:{i}", file)));

    public static KeyFileReport InspectSigningKey(string setting, string file, string? password) =>
        SigningKey(setting, file, password) with { Signs = true };

    private static KeyFileReport SigningKey(string setting, string file, string? password)
    {
        if (Unreadable(file) is { } unreadable)
        {
            return new KeyFileReport(setting, file, null, [unreadable], []);
        }

        var warnings = Exposure(file);
        try
        {
            using var key = LoadAsymmetric(file, password);
            return key switch
            {
                RSA rsa when rsa.KeySize < MinimumRsaBits =>
                    new KeyFileReport(setting, file, $"RSA-{rsa.KeySize}", [$"is an RSA key of {rsa.KeySize} bits; at least {MinimumRsaBits} are required (RFC 7518 §3.3)."], warnings),
                RSA rsa when !HasPrivatePart(rsa) =>
                    new KeyFileReport(setting, file, $"RSA-{rsa.KeySize}", ["holds only a public key; the server needs the private key to sign."], warnings),
                RSA rsa => new KeyFileReport(setting, file, $"RSA-{rsa.KeySize}, RS256", [], warnings),
                ECDsa ec when !HasPrivatePart(ec) =>
                    new KeyFileReport(setting, file, $"EC P-{ec.KeySize}", ["holds only a public key; the server needs the private key to sign."], warnings),
                ECDsa ec when ec.KeySize is not (256 or 384 or 521) =>
                    new KeyFileReport(setting, file, $"EC {ec.KeySize}", ["is on a curve JOSE does not name; use P-256 (ES256)."], warnings),
                ECDsa ec => new KeyFileReport(setting, file, $"EC P-{ec.KeySize}, ES{(ec.KeySize == 521 ? 512 : ec.KeySize)}", [], warnings),
                _ => new KeyFileReport(setting, file, null, ["is neither an RSA nor an EC key."], warnings),
            };
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or InvalidOperationException)
        {
            return new KeyFileReport(setting, file, null, ["is not a PEM private key (RSA or EC) or a PKCS#12 file with one: " + ex.Message], warnings);
        }
    }

    public static KeyFileReport InspectEncryptionKey(string setting, string file)
    {
        if (Unreadable(file) is { } unreadable)
        {
            return new KeyFileReport(setting, file, null, [unreadable], []);
        }

        var warnings = Exposure(file);
        Span<byte> bytes = stackalloc byte[64];
        var text = File.ReadAllText(file).Trim();
        var valid = Convert.TryFromBase64String(text, bytes, out var length) && length == AesKeyBytes;
        CryptographicOperations.ZeroMemory(bytes);
        return valid
            ? new KeyFileReport(setting, file, "AES-256", [], warnings)
            : new KeyFileReport(setting, file, null, [$"must hold one base64 {AesKeyBytes * 8}-bit key (`AuthServer keys create` writes one)."], warnings);
    }

    /// <summary>A private key other local users can read is as good as published (file mode 0600 or 0640 is expected).</summary>
    public static IReadOnlyList<string> Exposure(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return [];
        }

        var mode = File.GetUnixFileMode(file);
        return (mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0
            ? [$"is readable or writable by every local user (mode {Convert.ToString((int)mode, 8)}); make it owner-only: chmod 600."]
            : [];
    }

    private static string? Unreadable(string file)
    {
        if (!File.Exists(file))
        {
            return $"'{file}' does not exist.";
        }

        try
        {
            using var stream = File.OpenRead(file);
            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return $"'{file}' cannot be read by this process: {ex.Message}";
        }
    }

    /// <summary>PEM (RSA tried first, then EC: "PRIVATE KEY" may hold either) or PKCS#12, as the key ring loads them.</summary>
    internal static AsymmetricAlgorithm LoadAsymmetric(string file, string? password)
    {
        if (Path.GetExtension(file) is ".pfx" or ".p12")
        {
            using var certificate = X509CertificateLoader.LoadPkcs12FromFile(file, password, X509KeyStorageFlags.EphemeralKeySet);
            return (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey()
                ?? throw new InvalidOperationException("the certificate has no RSA or EC private key.");
        }

        var pem = File.ReadAllText(file);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(pem);
                return ec;
            }
            catch
            {
                ec.Dispose();
                throw;
            }
        }
    }

    /// <summary>A key loaded from a public-key PEM cannot export its private part.</summary>
    private static bool HasPrivatePart(AsymmetricAlgorithm key)
    {
        try
        {
            CryptographicOperations.ZeroMemory(key.ExportPkcs8PrivateKey());
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
