using System.Net.Http.Json;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AuthServer.Tests;

/// <summary>
/// Replicas of a deployment start together, often on a new database: three server processes started at the
/// same moment on one empty SQLite file all come up, and leave one catalog, one demo seed and one key set behind.
/// </summary>
public sealed class StartTogetherTests
{
    /// <summary>Three rounds in every run; the issue's twenty with AUTHSERVER_START_TOGETHER_ROUNDS=20 (docs/deployment.md has the measured result).</summary>
    private static readonly int Rounds = int.TryParse(Environment.GetEnvironmentVariable("AUTHSERVER_START_TOGETHER_ROUNDS"), out var rounds) ? rounds : 3;
    private const int Instances = 3;
    // Generous: the third instance waits while the other two do their start-up writes, and CI runs other test projects beside it.
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(300);

    [Fact]
    public async Task Three_instances_started_at_once_on_an_empty_database_all_come_up_with_one_catalog_and_one_key_set()
    {
        var failures = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            if (await RoundAsync() is { } failure)
            {
                failures.Add($"round {round}: {failure}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Rounds} rounds failed:\n{string.Join("\n\n", failures)}");
    }

    /// <summary>One round on a fresh folder: null when every instance came up and the database holds one of everything.</summary>
    private static async Task<string?> RoundAsync()
    {
        var folder = Directory.CreateTempSubdirectory("authserver-together-").FullName;
        var database = Path.Combine(folder, "auth.db");
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Database__ConnectionString"] = $"Data Source={database}",
            ["Keys__Automatic"] = "true",
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };

        var starts = Enumerable.Range(0, Instances).Select(_ => ServerProcess.StartAsync(environment, ReadyTimeout)).ToArray();
        try
        {
            await ((Task)Task.WhenAll(starts)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (starts.FirstOrDefault(s => s.IsFaulted) is { } failed)
            {
                return failed.Exception!.InnerException!.Message;
            }

            var servers = starts.Select(s => s.Result).ToArray();
            using var http = new HttpClient();
            var keySets = new List<string>();
            foreach (var server in servers)
            {
                var jwks = await http.GetFromJsonAsync<JsonElement>(new Uri(server.Address!, "/.well-known/jwks"));
                keySets.Add(string.Join(",", jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).Order(StringComparer.Ordinal)));
            }

            if (keySets.Distinct(StringComparer.Ordinal).Count() != 1)
            {
                return $"the instances publish different key sets: {string.Join(" | ", keySets)}";
            }

            var counts = await CountsAsync(database);
            return counts is { DuplicateApplications: 0, Scopes: > 0, DuplicateScopes: 0, DemoUsers: 2, ManagedKeys: 3, DataProtectionKeys: 1 }
                ? null
                : $"the database holds {counts}";
        }
        finally
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync();
            }

            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left to the temp folder's cleanup; the result does not depend on it.
            }
        }
    }

    private sealed record Counts(long DuplicateApplications, long Scopes, long DuplicateScopes, long DemoUsers, long ManagedKeys, long DataProtectionKeys);

    private static async Task<Counts> CountsAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        await connection.OpenAsync();
        async Task<long> ScalarAsync(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return (long)(await command.ExecuteScalarAsync())!;
        }

        return new Counts(
            await ScalarAsync("SELECT COUNT(*) - COUNT(DISTINCT \"ClientId\") FROM \"OpenIddictApplications\""),
            await ScalarAsync("SELECT COUNT(*) FROM \"OpenIddictScopes\""),
            await ScalarAsync("SELECT COUNT(*) - COUNT(DISTINCT \"Name\") FROM \"OpenIddictScopes\""),
            await ScalarAsync("SELECT COUNT(*) FROM \"AspNetUsers\" WHERE \"NormalizedUserName\" IN ('ALICE', 'BOB')"),
            await ScalarAsync("SELECT COUNT(*) FROM \"ManagedKeys\""),
            await ScalarAsync("SELECT COUNT(*) FROM \"DataProtectionKeys\""));
    }
}
