using System.Security.Cryptography;
using AuthServer.Contracts;
using AuthServer.Keys;

namespace AuthServer.Commands;

/// <summary>
/// `keys create --out DIR`: the key files an instance needs outside Development, written by the product rather than
/// by hand with openssl. Each file is created owner-only (mode 600 at open(2), so there is no moment it is readable by
/// others) and never overwrites an existing one: a new set for rotation goes to a new folder.
/// </summary>
public static class KeysCommand
{
    public const string AccessTokenKeyFile = "signing-ec.pem";
    public const string IdentityTokenKeyFile = "signing-rsa.pem";
    public const string EncryptionKeyFile = "encryption.key";

    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static int Create(string folder, TextWriter output, TextWriter errors)
    {
        folder = Path.GetFullPath(folder);
        string[] files = [AccessTokenKeyFile, IdentityTokenKeyFile, EncryptionKeyFile];
        if (files.Select(name => Path.Combine(folder, name)).FirstOrDefault(File.Exists) is { } existing)
        {
            errors.WriteLine($"'{existing}' already exists; keys are never overwritten. Write a new set to a new folder.");
            return ExitCodes.Failure;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
        }

        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            OwnerOnlyFile.Create(Path.Combine(folder, AccessTokenKeyFile), ec.ExportPkcs8PrivateKeyPem());
        }

        using (var rsa = RSA.Create(2048))
        {
            OwnerOnlyFile.Create(Path.Combine(folder, IdentityTokenKeyFile), rsa.ExportPkcs8PrivateKeyPem());
        }

        var aes = RandomNumberGenerator.GetBytes(KeyFileInspection.AesKeyBytes);
        OwnerOnlyFile.Create(Path.Combine(folder, EncryptionKeyFile), Convert.ToBase64String(aes) + "\n");
        CryptographicOperations.ZeroMemory(aes);

        output.WriteLine($"""
            Wrote three key files to {folder} (owner-only, mode 600):
              {AccessTokenKeyFile,-16} EC P-256: signs access tokens (ES256)
              {IdentityTokenKeyFile,-16} RSA-2048: signs identity tokens (RS256, which OpenID Connect requires)
              {EncryptionKeyFile,-16} AES-256: encrypts refresh tokens and authorization codes

            Settings (environment variables; the first signing key signs access tokens, so keep this order):
            Keys__SigningKeyFiles__0={Path.Combine(folder, AccessTokenKeyFile)}
            Keys__SigningKeyFiles__1={Path.Combine(folder, IdentityTokenKeyFile)}
            Keys__EncryptionKeyFiles__0={Path.Combine(folder, EncryptionKeyFile)}

            Every instance needs the same three files. Back them up like any secret; `AuthServer check` verifies them.
            """);
        return ExitCodes.Success;
    }
}
