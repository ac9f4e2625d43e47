using AuthServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Tests.Keys;

/// <summary>
/// The Data Protection key ring is encrypted with the key-encryption key (DataProtection:Protection=KeyFile), and the
/// managed keys with the ring: a copy of the database is worthless without the KEK, and works with it.
/// </summary>
public sealed class KeyRingProtectionTests : IDisposable
{
    private readonly List<AuthServerFactory> _servers = [];
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("authserver-kek-");

    [Fact]
    public async Task A_database_copy_without_the_key_encryption_key_cannot_decrypt_the_keys_and_with_it_serves_the_same_keys()
    {
        var kek = KeyFiles.CreateKek(_folder.FullName, "right");
        var original = Server(kek);
        var client = original.CreateTokenClient();
        var issued = await KeyProbe.IssueAsync(client, (await original.CreateUserAsync()).UserName!);

        // At rest: only encrypted key-ring elements, no plaintext master key.
        var ring = await original.WithDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync());
        Assert.NotEmpty(ring);
        Assert.All(ring, xml =>
        {
            Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });

        var withoutKek = Copy(original, "no-kek");
        var wrongKek = Copy(original, "wrong-kek");
        var withKek = Copy(original, "with-kek");

        AssertCannotDecrypt(Server(kek: null, withoutKek));
        AssertCannotDecrypt(Server(KeyFiles.CreateKek(_folder.FullName, "wrong"), wrongKek));

        var restored = Server(kek, withKek).CreateTokenClient();
        Assert.Contains(issued.AccessKid, await KeyProbe.PublishedAsync(restored));
        await restored.ValidateAsync(issued.AccessToken, "resource-api", original.Clock.GetUtcNow());
        (await restored.RefreshAsync(issued.RefreshToken)).ShouldSucceed();
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    /// <summary>The start fails (the host stops before serving), and the server says why: audit event 4007, "cannot be decrypted".</summary>
    private static void AssertCannotDecrypt(AuthServerFactory server)
    {
        Assert.NotNull(Record.Exception(() => server.CreateClient()));
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 4007);
        Assert.Contains(server.LogEvents, e => (e.RenderMessage() + e.Exception?.Message).Contains("cannot be decrypted", StringComparison.Ordinal));
    }

    private AuthServerFactory Server(string? kek, string? database = null)
    {
        var server = new AuthServerFactory().Set("Keys:Automatic", "true");
        if (kek is not null)
        {
            server.Set("DataProtection:Protection", "KeyFile").Set("DataProtection:KeyFile", kek);
        }

        if (database is not null)
        {
            server.Set("Database:ConnectionString", $"Data Source={database}");
        }

        _servers.Add(server);
        return server;
    }

    /// <summary>What a backup or a stolen copy holds: SQLite's online backup, consistent while the server runs.</summary>
    private string Copy(AuthServerFactory server, string name)
    {
        var target = Path.Combine(_folder.FullName, name + ".db");
        using var source = new SqliteConnection($"Data Source={Path.Combine(server.Folder, "auth.db")};Pooling=False");
        using var copy = new SqliteConnection($"Data Source={target};Pooling=False");
        source.Open();
        source.BackupDatabase(copy);
        return target;
    }
}
