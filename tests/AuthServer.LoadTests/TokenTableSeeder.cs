using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AuthServer.LoadTests;

/// <summary>
/// Fills a stopped server's SQLite file with live refresh-token rows (each with its own authorization), so a
/// refresh run can be compared on an empty table and a large one. Writes rows only; it never reads token payloads.
/// </summary>
public static class TokenTableSeeder
{
    public static void Seed(string databaseFile, int count, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using var connection = new SqliteConnection($"Data Source={databaseFile}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        var applicationId = Scalar(connection, transaction, "SELECT Id FROM OpenIddictApplications WHERE ClientId = 'spa'")
            ?? throw new InvalidOperationException("Client 'spa' is missing: start the server once in Development first.");

        using var authorization = Command(connection, transaction,
            "INSERT INTO OpenIddictAuthorizations (Id, ApplicationId, CreationDate, Status, Subject, Type, Scopes) VALUES ($id, $app, $now, 'valid', $sub, 'ad-hoc', '[\"openid\",\"offline_access\",\"api\"]')");
        using var token = Command(connection, transaction,
            "INSERT INTO OpenIddictTokens (Id, ApplicationId, AuthorizationId, CreationDate, ExpirationDate, Status, Subject, Type) VALUES ($id, $app, $auth, $now, $exp, 'valid', $sub, 'refresh_token')");
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var expires = DateTime.UtcNow.AddDays(7).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        for (var i = 0; i < count; i++)
        {
            var authorizationId = Guid.NewGuid().ToString();
            var subject = $"seed-user-{i % 50_000}";
            Run(authorization, ("$id", authorizationId), ("$app", applicationId), ("$now", now), ("$sub", subject));
            Run(token, ("$id", Guid.NewGuid().ToString()), ("$app", applicationId), ("$auth", authorizationId), ("$now", now), ("$exp", expires), ("$sub", subject));
        }

        transaction.Commit();
        output.WriteLine($"seeded {count} refresh tokens into {databaseFile} in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static string? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = Command(connection, transaction, sql);
        return command.ExecuteScalar() as string;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Run(SqliteCommand command, params (string Name, string Value)[] values)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
