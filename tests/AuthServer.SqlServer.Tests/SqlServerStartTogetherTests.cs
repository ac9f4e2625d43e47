using System.Net.Http.Json;
using System.Text.Json;
using AuthServer.SqlServer.Tests.Infrastructure;
using Microsoft.Data.SqlClient;

namespace AuthServer.SqlServer.Tests;

/// <summary>
/// Replicas starting together, on SQL Server: three servers started at the same moment on a database that does not
/// exist yet (each would create and migrate it) all come up, with one catalog, one demo seed and one key set. The
/// start-up lock is an application lock in master, named after the database.
/// </summary>
[Collection(SqlServerInstance.Collection)]
public sealed class SqlServerStartTogetherTests(SqlServerInstance sql)
{
    private const int Rounds = 3;
    private const int Instances = 3;

    [Fact]
    public async Task Three_instances_started_at_once_on_a_new_database_all_come_up_with_one_catalog_and_one_key_set()
    {
        Assert.SkipWhen(sql.ConnectionString is null, sql.UnavailableReason ?? "SQL Server is not available.");
        for (var round = 0; round < Rounds; round++)
        {
            var database = $"authserver_together_{Guid.NewGuid():N}";
            var servers = Enumerable.Range(0, Instances)
                .Select(_ => (SqlServerAuthServerFactory)new SqlServerAuthServerFactory().On(sql, database).Set("Keys:Automatic", "true"))
                .ToList();
            try
            {
                var clients = await Task.WhenAll(servers.Select(server => Task.Run(server.CreateClient)));
                var keySets = new List<string>();
                foreach (var client in clients)
                {
                    var jwks = await client.GetFromJsonAsync<JsonElement>("/.well-known/jwks", TestContext.Current.CancellationToken);
                    keySets.Add(string.Join(",", jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).Order(StringComparer.Ordinal)));
                }

                Assert.Single(keySets.Distinct(StringComparer.Ordinal));
                var builder = new SqlConnectionStringBuilder(sql.ConnectionString) { InitialCatalog = database, TrustServerCertificate = true };
                await using var connection = new SqlConnection(builder.ConnectionString);
                await connection.OpenAsync(TestContext.Current.CancellationToken);
                Assert.Equal(0, await ScalarAsync(connection, "SELECT COUNT(*) - COUNT(DISTINCT [ClientId]) FROM [OpenIddictApplications]"));
                Assert.Equal(0, await ScalarAsync(connection, "SELECT COUNT(*) - COUNT(DISTINCT [Name]) FROM [OpenIddictScopes]"));
                Assert.Equal(2, await ScalarAsync(connection, "SELECT COUNT(*) FROM [AspNetUsers] WHERE [NormalizedUserName] IN ('ALICE', 'BOB')"));
                Assert.Equal(3, await ScalarAsync(connection, "SELECT COUNT(*) FROM [ManagedKeys]"));
                Assert.Equal(1, await ScalarAsync(connection, "SELECT COUNT(*) FROM [DataProtectionKeys]"));
            }
            finally
            {
                foreach (var server in servers)
                {
                    await server.DisposeAsync();
                }
            }
        }
    }

    private static async Task<int> ScalarAsync(SqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
