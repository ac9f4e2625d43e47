using AuthServer.Migrations.Sqlite;
using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Tests.Infrastructure;

/// <summary>One server's SQLite file and keys in a folder that outlives the server: for upgrade tests that stop, migrate and start again.</summary>
public static class SqliteFolder
{
    public static AuthServerFactory Server(string folder) => new AuthServerFactory()
        .Set("Database:ConnectionString", $"Data Source={Path.Combine(folder, "auth.db")}")
        .Set("Keys:DevelopmentKeyFolder", Path.Combine(folder, "keys"));

    /// <summary>A context on the folder's file with the SQLite migrations, to move the schema back and forth.</summary>
    public static Persistence.AuthDbContext Context(string folder) => new(
        new DbContextOptionsBuilder<Persistence.AuthDbContext>().WithIdentitySchema()
            .UseSqlite($"Data Source={Path.Combine(folder, "auth.db")}", sqlite => sqlite.MigrationsAssembly(typeof(DesignTimeFactory).Assembly.GetName().Name))
            .UseOpenIddict()
            .Options);

    /// <summary>Removes a server process's folder once its connections are closed; left for the temp cleanup if something still holds a file.</summary>
    public static void DeleteQuietly(string folder)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // The result of the test does not depend on it.
        }
    }
}
