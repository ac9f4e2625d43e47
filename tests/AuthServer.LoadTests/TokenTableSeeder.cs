using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace AuthServer.LoadTests;

/// <summary>
/// Fills a stopped server's SQLite file with live refresh-token rows (each with its own authorization), so a
/// refresh run can be compared on an empty table and a large one. Writes rows only, in the server's storage format
/// (AuthServer.Persistence.CompactStorage: 16-byte ids, Unix-millisecond dates, type codes); it never reads token payloads.
/// Ids are random bytes, as scattered in the indexes as OpenIddict's random GUIDs are.
/// </summary>
public static class TokenTableSeeder
{
    public static void Seed(string databaseFile, int count, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using var connection = new SqliteConnection($"Data Source={databaseFile}");
        connection.Open();

        // 1 GiB of page cache: the indexes of a ten-million-row table stay in memory while it is written.
        Execute(connection, "PRAGMA cache_size = -1048576;");

        var applicationId = Scalar(connection, "SELECT Id FROM OpenIddictApplications WHERE ClientId = 'spa'")
            ?? throw new InvalidOperationException("Client 'spa' is missing: start the server once in Development first.");
        // Secondary indexes are dropped while the rows go in and built again after, sorted: what makes ten million rows
        // take minutes instead of an hour. The schema afterwards is exactly the server's.
        var indexes = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('OpenIddictTokens', 'OpenIddictAuthorizations')";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                indexes.Add(reader.GetString(0));
            }
        }

        foreach (var index in indexes)
        {
            Execute(connection, "DROP INDEX " + index.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => !w.Equals("INDEX", StringComparison.OrdinalIgnoreCase)).ElementAt(1) + ";");
        }

        // Rows are generated inside SQLite (a recursive counter, randomblob ids): per-row round trips from .NET made a
        // million rows take minutes on a busy machine. Each token points at its own authorization.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var expires = DateTimeOffset.UtcNow.AddDays(7).ToUnixTimeMilliseconds();
        const int PerTransaction = 500_000;
        for (var done = 0; done < count; done += PerTransaction)
        {
            var batch = Math.Min(PerTransaction, count - done);
            using var transaction = connection.BeginTransaction();
            var first = Convert.ToInt64(Scalar(connection, "SELECT coalesce(max(rowid), 0) FROM OpenIddictAuthorizations", transaction), System.Globalization.CultureInfo.InvariantCulture);
            using (var authorizations = Command(connection, transaction, """
                WITH RECURSIVE n(i) AS (SELECT $from UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $to)
                INSERT INTO OpenIddictAuthorizations (Id, ApplicationId, ConcurrencyToken, CreationDate, Status, Subject, Type, Scopes)
                SELECT randomblob(16), $app, randomblob(16), $now, 'valid', 'seed-user-' || (i % 50000), 'ad-hoc', '["openid","offline_access","api"]' FROM n
                """))
            {
                Run(authorizations, ("$from", (long)done), ("$to", (long)(done + batch)), ("$app", applicationId), ("$now", now));
            }

            using (var tokens = Command(connection, transaction, """
                INSERT INTO OpenIddictTokens (Id, ApplicationId, AuthorizationId, ConcurrencyToken, CreationDate, ExpirationDate, Status, Subject, Type)
                SELECT randomblob(16), ApplicationId, Id, randomblob(16), CreationDate, $exp, 'valid', Subject, 'rt'
                FROM OpenIddictAuthorizations WHERE rowid > $first ORDER BY rowid
                """))
            {
                Run(tokens, ("$exp", expires), ("$first", first));
            }

            transaction.Commit();
            output.WriteLine($"  {done + batch} rows, {clock.Elapsed.TotalSeconds:0} s");
        }

        output.WriteLine($"  rows written in {clock.Elapsed.TotalSeconds:0} s; building {indexes.Count} indexes");
        foreach (var index in indexes)
        {
            Execute(connection, index + ";");
        }

        output.WriteLine($"seeded {count} refresh tokens into {databaseFile} in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
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
