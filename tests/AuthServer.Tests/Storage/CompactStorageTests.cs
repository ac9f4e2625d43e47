using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Tests.Storage;

/// <summary>What a refresh writes on SQLite (decision 013): 16-byte ids, Unix-millisecond dates, two-letter types, four indexes.</summary>
public sealed class CompactStorageTests
{
    /// <summary>The migration before CompactTokenStorage: what an existing deployment runs today.</summary>
    private const string PreviousMigration = "20261202000337_SecurityEventFeed";

    [Fact]
    public async Task A_refresh_writes_binary_ids_integer_dates_and_a_type_code_and_the_token_table_keeps_four_indexes()
    {
        using var server = new AuthServerFactory();
        var client = server.CreateTokenClient();
        var user = await server.CreateUserAsync();
        var first = (await client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        (await client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();

        using var connection = Open(server.Folder);
        var row = Query(connection, """
            SELECT typeof(Id), length(Id), typeof(ApplicationId), typeof(AuthorizationId), length(ConcurrencyToken),
                   typeof(CreationDate), typeof(ExpirationDate), Type
            FROM OpenIddictTokens WHERE Subject = $s AND RedemptionDate IS NOT NULL AND typeof(RedemptionDate) = 'integer'
            """, ("$s", user.Id)).Single();
        Assert.Equal(new[] { "blob", "16", "blob", "blob", "16", "integer", "integer", "rt" }, row);

        var indexes = Query(connection, "SELECT name FROM pragma_index_list('OpenIddictTokens') ORDER BY name").Select(r => r[0]);
        Assert.Equal(
            new[] { "IX_OpenIddictTokens_ApplicationId", "IX_OpenIddictTokens_AuthorizationId", "IX_OpenIddictTokens_ExpirationDate", "IX_OpenIddictTokens_ReferenceId", "sqlite_autoindex_OpenIddictTokens_1" },
            indexes);

        // In code the ids are still the lowercase GUID text OpenIddict made; the stored dates read back as UTC to the millisecond.
        var token = await server.WithDbAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking().FirstAsync(t => t.Subject == user.Id));
        Assert.Equal(Guid.Parse(token.Id!).ToString(), token.Id);
        Assert.Equal(DateTimeKind.Utc, token.CreationDate!.Value.Kind);
        Assert.Equal(0, token.CreationDate.Value.Ticks % TimeSpan.TicksPerMillisecond);
        Assert.True((server.Clock.GetUtcNow().UtcDateTime - token.CreationDate.Value).Duration() < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task An_id_that_is_no_guid_in_an_admin_url_is_not_found_not_an_error()
    {
        using var server = new AuthServerFactory();
        var admin = new AdminClient(server.CreateClient());

        var (status, _) = await admin.SendAsync(HttpMethod.Delete, "/admin/sessions/not-a-guid");

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task A_database_at_the_previous_migration_keeps_its_clients_users_and_live_refresh_tokens_through_the_upgrade()
    {
        var folder = Directory.CreateTempSubdirectory("authserver-upgrade-");
        try
        {
            string live, replayed, userName, userId;
            using (var before = SqliteFolder.Server(folder.FullName))
            {
                var client = before.CreateTokenClient();
                var user = await before.CreateUserAsync();
                (userName, userId) = (user.UserName!, user.Id);
                var first = (await client.PasswordAsync(userName, TestUsers.Password)).ShouldSucceed();
                live = (await client.RefreshAsync(first.RefreshToken!)).ShouldSucceed().RefreshToken!;
                replayed = first.RefreshToken!;
            }

            // Back to the previous schema, with the rows as that schema wrote them: ids and dates as text, type URNs.
            SqliteConnection.ClearAllPools();
            await using (var db = SqliteFolder.Context(folder.FullName))
            {
                await db.GetService<IMigrator>().MigrateAsync(PreviousMigration, TestContext.Current.CancellationToken);
            }

            using (var connection = Open(folder.FullName))
            {
                var rows = Query(connection, "SELECT typeof(Id), length(Id), typeof(ExpirationDate), Type FROM OpenIddictTokens WHERE Subject = $s", ("$s", userId));
                Assert.Equal(2, rows.Count);
                Assert.All(rows, r => Assert.Equal(new[] { "text", "36", "text", "urn:ietf:params:oauth:token-type:refresh_token" }, r));
            }

            SqliteConnection.ClearAllPools();

            // The server migrates at start; the refresh token issued before the upgrade still refreshes, and its redeemed
            // predecessor is still recognised as a replay.
            using var after = SqliteFolder.Server(folder.FullName);
            var afterClient = after.CreateTokenClient();
            var next = (await afterClient.RefreshAsync(live)).ShouldSucceed();
            (await afterClient.PasswordAsync(userName, TestUsers.Password)).ShouldSucceed();
            after.Clock.Advance(TimeSpan.FromMinutes(1));
            (await afterClient.RefreshAsync(replayed)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
            (await afterClient.RefreshAsync(next.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
            Assert.Contains(after.LogEvents, e => LogEventIds.Of(e) == 2005 && e.RenderMessage().Contains(userId, StringComparison.Ordinal));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private static SqliteConnection Open(string folder)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "auth.db")};Pooling=False");
        connection.Open();
        return connection;
    }

    private static List<string[]> Query(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "")]);
        }

        return rows;
    }
}
