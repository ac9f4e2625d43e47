using Microsoft.Data.Sqlite;

namespace AuthServer.Persistence;

/// <summary>
/// A write that lost a race to a unique index: another request created the same row first. Callers answer 409, not 500.
/// SQL Server's exception is matched by its number without naming its type, so a server on SQLite never loads its client.
/// </summary>
public static class UniqueViolation
{
    private const int SqliteConstraint = 19;
    private const int SqliteUnique = 2067;
    private const int SqlitePrimaryKey = 1555;
    private const int SqlServerDuplicateKeyRow = 2601;
    private const int SqlServerUniqueConstraint = 2627;

    public static bool Is(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            switch (exception)
            {
                case SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteUnique or SqlitePrimaryKey }:
                    return true;
                case System.Data.Common.DbException when exception.GetType().FullName == "Microsoft.Data.SqlClient.SqlException"
                    && exception.GetType().GetProperty("Number")?.GetValue(exception) is SqlServerDuplicateKeyRow or SqlServerUniqueConstraint:
                    return true;
            }
        }

        return false;
    }
}
