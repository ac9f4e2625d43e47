using System.Net;
using System.Xml.Linq;
using AuthServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AuthServer.Tests;

/// <summary>
/// Two real server processes (Kestrel on loopback) on one SQLite file and one key folder, as two replicas behind a
/// load balancer share one database and one key set: they must behave as one server.
/// </summary>
public sealed class MultiInstanceTests(TwoInstances servers, ITestOutputHelper output) : IClassFixture<TwoInstances>
{
    [Fact]
    public async Task Refresh_token_issued_by_A_is_redeemed_at_B_and_a_replay_at_B_revokes_the_chain_at_A()
    {
        using var httpA = servers.A.CreateClient();
        using var httpB = servers.B.CreateClient();
        var atA = new TokenClient(httpA);
        var atB = new TokenClient(httpB);

        var issuedByA = (await atA.PasswordAsync("alice", TestUsers.AlicePassword)).ShouldSucceed();
        var rotatedAtB = (await atB.RefreshAsync(issuedByA.RefreshToken!)).ShouldSucceed();
        await atA.ValidateAsync(rotatedAtB.AccessToken!, "resource-api", DateTimeOffset.UtcNow);

        (await atB.RefreshAsync(issuedByA.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");

        // The newest token of the chain was never replayed; A refuses it because B revoked the chain in the shared store.
        (await atA.RefreshAsync(rotatedAtB.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Thirty_wrong_passwords_for_one_account_sent_at_once_to_both_instances_get_at_most_five_checks()
    {
        using var httpA = servers.A.CreateClient();
        using var httpB = servers.B.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 30)
            .Select(i => new TokenClient(i % 2 == 0 ? httpA : httpB).PasswordAsync("bob", "Wrong-Guess-0000")));

        // Bob's account is far from its own back-off, so every 400 is a password checked; the rest were refused before a hash.
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.BadRequest or HttpStatusCode.TooManyRequests, $"{(int)a.Status} {a.Body}"));
        var checks = answers.Count(a => a.Status == HttpStatusCode.BadRequest);
        output.WriteLine($"30 guesses at two instances: {checks} password checks, {answers.Count(a => a.Status == HttpStatusCode.TooManyRequests)} × 429");
        Assert.True(checks <= 5, $"{checks} password checks for 30 guesses at two instances (FreeFailuresPerSource is 5).");
    }

    [Fact]
    public async Task Both_instances_publish_the_same_signing_keys()
    {
        using var httpA = servers.A.CreateClient();
        using var httpB = servers.B.CreateClient();

        var jwksA = await httpA.GetStringAsync(new Uri("/.well-known/jwks", UriKind.Relative), TestContext.Current.CancellationToken);
        var jwksB = await httpB.GetStringAsync(new Uri("/.well-known/jwks", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Contains("\"kid\"", jwksA, StringComparison.Ordinal);
        Assert.Equal(jwksA, jwksB);
    }

    [Fact]
    public async Task Data_protection_key_ring_in_the_database_holds_one_key_and_both_instances_use_it()
    {
        var keyIds = await servers.DataProtectionKeyIdsAsync();

        // A created the key at its start; B found it in the table instead of creating its own, and names it as its default.
        var keyId = Assert.Single(keyIds);
        Assert.Contains(keyId, DefaultKeyLines(servers.A), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(keyId, DefaultKeyLines(servers.B), StringComparison.OrdinalIgnoreCase);
    }

    private static string DefaultKeyLines(RunningProcess server) =>
        string.Join('\n', server.Output.Split('\n').Where(line => line.Contains("as the default key", StringComparison.Ordinal)));
}

/// <summary>Servers A and B, started once per test class on a fresh folder.</summary>
public sealed class TwoInstances : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private readonly string _folder = Directory.CreateTempSubdirectory("authserver-multi-").FullName;
    private RunningProcess? _a;
    private RunningProcess? _b;

    public RunningProcess A => _a ?? throw new InvalidOperationException("Server A did not start.");

    public RunningProcess B => _b ?? throw new InvalidOperationException("Server B did not start.");

    private string Database => Path.Combine(_folder, "auth.db");

    public async ValueTask InitializeAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Database__ConnectionString"] = $"Data Source={Database}",
            ["Keys__DevelopmentKeyFolder"] = Path.Combine(_folder, "keys"),
            // Strict single use, so a replay is one at once instead of after the 30 s default.
            ["Tokens__RefreshTokenReuseLeeway"] = "00:00:00",
            // Data Protection names the key it uses at Debug level; the key ring test reads that line.
            ["Serilog__MinimumLevel__Override__Microsoft.AspNetCore.DataProtection"] = "Debug",
        };

        // One after the other, as a deployment does: the first migrates the file, the second finds it current.
        _a = await ServerProcess.StartAsync(environment, ReadyTimeout);
        _b = await ServerProcess.StartAsync(environment, ReadyTimeout);
    }

    /// <summary>The ids of the keys in the shared DataProtectionKeys table, read straight from the file.</summary>
    public async Task<List<string>> DataProtectionKeyIdsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Database};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"Xml\" FROM \"DataProtectionKeys\"";
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(XElement.Parse(reader.GetString(0)).Attribute("id")!.Value);
        }

        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left to the temp folder's cleanup; the result does not depend on it.
        }
    }
}
