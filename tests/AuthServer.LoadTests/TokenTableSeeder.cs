using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace AuthServer.LoadTests;

/// <summary>
/// Fills a stopped server's SQLite file with live refresh-token rows (each with its own authorization), so a
/// refresh run can be compared on an empty table and a large one. Writes rows only, in the server's storage format
/// (AuthServer.Persistence.CompactStorage: 16-byte ids, Unix-millisecond dates, type codes); it never reads token payloads.
/// Ids are random, as OpenIddict's are, so the indexes are as scattered as a real table's.
/// </summary>
public static class TokenTableSeeder
{
    public static void Seed(string databaseFile, int count, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using var connection = new SqliteConnection($"Data Source={databaseFile}");
        connection.Open();

        // 1 GiB of page cache: the indexes of a ten-million-row table stay in memory while it is written.
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA cache_size = -1048576;";
            pragma.ExecuteNonQuery();
        }

        var applicationId = Scalar(connection, "SELECT Id FROM OpenIddictApplications WHERE ClientId = 'spa'")
            ?? throw new InvalidOperationException("Client 'spa' is missing: start the server once in Development first.");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var expires = DateTimeOffset.UtcNow.AddDays(7).ToUnixTimeMilliseconds();
        const int PerTransaction = 100_000;
        for (var done = 0; done < count; done += PerTransaction)
        {
            using var transaction = connection.BeginTransaction();
            using var authorization = Command(connection, transaction,
                "INSERT INTO OpenIddictAuthorizations (Id, ApplicationId, ConcurrencyToken, CreationDate, Status, Subject, Type, Scopes) VALUES ($id, $app, $stamp, $now, 'valid', $sub, 'ad-hoc', '[\"openid\",\"offline_access\",\"api\"]')");
            using var token = Command(connection, transaction,
                "INSERT INTO OpenIddictTokens (Id, ApplicationId, AuthorizationId, ConcurrencyToken, CreationDate, ExpirationDate, Status, Subject, Type) VALUES ($id, $app, $auth, $stamp, $now, $exp, 'valid', $sub, 'rt')");
            for (var i = done; i < Math.Min(count, done + PerTransaction); i++)
            {
                var authorizationId = NewId();
                var subject = $"seed-user-{i % 50_000}";
                Run(authorization, ("$id", authorizationId), ("$app", applicationId), ("$stamp", NewId()), ("$now", now), ("$sub", subject));
                Run(token, ("$id", NewId()), ("$app", applicationId), ("$auth", authorizationId), ("$stamp", NewId()), ("$now", now), ("$exp", expires), ("$sub", subject));
            }

            transaction.Commit();
            if ((done / PerTransaction) % 10 == 9)
            {
                output.WriteLine($"  {done + PerTransaction} rows, {clock.Elapsed.TotalSeconds:0} s");
            }
        }

        output.WriteLine($"seeded {count} refresh tokens into {databaseFile} in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static byte[] NewId() => Guid.NewGuid().ToByteArray(bigEndian: true);

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Run(SqliteCommand command, params (string Name, object Value)[] values)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
