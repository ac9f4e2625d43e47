using AuthServer.Tests.Infrastructure;
using Microsoft.Data.SqlClient;

namespace AuthServer.SqlServer.Tests.Infrastructure;

/// <summary>
/// The same test server as for SQLite, configured as production is: provider SqlServer, its own database per
/// test class on the shared instance, created by the server's own migrate-on-start. The database is dropped at the end.
/// </summary>
public sealed class SqlServerAuthServerFactory : AuthServerFactory
{
    private string? _unavailableReason;
    private SqlConnectionStringBuilder? _database;

    public override string? UnavailableReason => _unavailableReason;

    /// <summary>
    /// Points this server at a new database on <paramref name="instance"/> (or the one named <paramref name="database"/>, for
    /// several servers sharing one); the first call wins.
    /// </summary>
    public SqlServerAuthServerFactory On(SqlServerInstance instance, string? database = null)
    {
        if (_database is not null || _unavailableReason is not null)
        {
            return this;
        }

        if (instance.ConnectionString is null)
        {
            _unavailableReason = instance.UnavailableReason ?? "SQL Server is not available.";
            return this;
        }

        _database = new SqlConnectionStringBuilder(instance.ConnectionString)
        {
            InitialCatalog = database ?? $"authserver_tests_{Guid.NewGuid():N}",
            // The container's certificate is self-signed; the connection is still encrypted.
            TrustServerCertificate = true,
        };
        Set("Database:Provider", "SqlServer");
        Set("Database:ConnectionString", _database.ConnectionString);
        Set("Database:MigrateOnStartup", "true");
        return this;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _database is not null)
        {
            DropDatabase(_database);
            _database = null;
        }
    }

    private static void DropDatabase(SqlConnectionStringBuilder database)
    {
        SqlConnection.ClearAllPools();
        var master = new SqlConnectionStringBuilder(database.ConnectionString) { InitialCatalog = "master" };
        using var connection = new SqlConnection(master.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            IF DB_ID(@name) IS NOT NULL
            BEGIN
                DECLARE @sql nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@name) + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ' + QUOTENAME(@name) + N';';
                EXEC (@sql);
            END
            """;
        command.Parameters.AddWithValue("@name", database.InitialCatalog);
        command.ExecuteNonQuery();
    }
}
