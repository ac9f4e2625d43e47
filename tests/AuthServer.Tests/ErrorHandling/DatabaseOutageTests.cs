using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AuthServer.Tests;

/// <summary>A database that cannot take a write answers 503 temporarily_unavailable, promptly and without a stack trace.</summary>
public sealed class DatabaseOutageTests : IDisposable
{
    private readonly AuthServerFactory _server = new();

    public DatabaseOutageTests() =>
        _server.Set("Database:ConnectionString", $"Data Source={Path.Combine(_server.Folder, "auth.db")};Default Timeout=1");

    [Fact]
    public async Task Locked_database_gives_a_clean_503_and_the_server_recovers_when_it_is_released()
    {
        var client = new TokenClient(_server.CreateClient());
        var user = await _server.CreateUserAsync();

        await using (var blocker = new SqliteConnection($"Data Source={Path.Combine(_server.Folder, "auth.db")};Pooling=False"))
        {
            // Another process holding the write lock: the server's own writer gate cannot help, SQLite's busy timeout runs out.
            await blocker.OpenAsync(TestContext.Current.CancellationToken);
            await using var writeLock = await blocker.BeginTransactionAsync(TestContext.Current.CancellationToken);

            var refused = await client.PasswordAsync(user.UserName!, TestUsers.Password);

            refused.ShouldFail(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
            Assert.DoesNotContain("   at ", refused.Body.ToString(), StringComparison.Ordinal);
        }

        (await client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
    }

    public void Dispose() => _server.Dispose();
}
