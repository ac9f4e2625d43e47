using AuthServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AuthServer.Tests;

/// <summary>The migration that makes e-mails unique on a database that already holds two users with one e-mail.</summary>
public sealed class UniqueEmailUpgradeTests
{
    private const string PreviousMigration = "20261202013220_CompactTokenStorage";

    [Fact]
    public async Task An_upgrade_over_users_sharing_an_email_stops_and_names_the_address_and_a_clean_one_goes_through()
    {
        var folder = Directory.CreateTempSubdirectory("authserver-unique-email-");
        try
        {
            using (var before = SqliteFolder.Server(folder.FullName))
            {
                await before.CreateUserAsync(userName: "twin-one");
                await before.CreateUserAsync(userName: "twin-two");
            }

            SqliteConnection.ClearAllPools();
            await using (var db = SqliteFolder.Context(folder.FullName))
            {
                await db.GetService<IMigrator>().MigrateAsync(PreviousMigration, TestContext.Current.CancellationToken);
                await db.Database.ExecuteSqlRawAsync(
                    "UPDATE AspNetUsers SET Email = 'twin@example.test', NormalizedEmail = 'TWIN@EXAMPLE.TEST' WHERE UserName IN ('twin-one', 'twin-two')", TestContext.Current.CancellationToken);
            }

            SqliteConnection.ClearAllPools();
            // As an operator meets it: the server process exits at start and says which address to fix.
            var (exitCode, output) = await ServerProcess.RunUntilExitAsync(
                new Dictionary<string, string>
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Development",
                    ["Database__ConnectionString"] = $"Data Source={Path.Combine(folder.FullName, "auth.db")}",
                    ["Keys__DevelopmentKeyFolder"] = Path.Combine(folder.FullName, "keys"),
                },
                TimeSpan.FromSeconds(90));
            Assert.True(exitCode != 0, output);
            Assert.Contains("Several users share an e-mail address", output, StringComparison.Ordinal);
            Assert.Contains("TWIN@EXAMPLE.TEST", output, StringComparison.Ordinal);

            // The operator gives one of them another address; the next start applies the migration.
            SqliteConnection.ClearAllPools();
            await using (var db = SqliteFolder.Context(folder.FullName))
            {
                await db.Database.ExecuteSqlRawAsync("UPDATE AspNetUsers SET Email = 'two@example.test', NormalizedEmail = 'TWO@EXAMPLE.TEST' WHERE UserName = 'twin-two'", TestContext.Current.CancellationToken);
            }

            SqliteConnection.ClearAllPools();
            using var after = SqliteFolder.Server(folder.FullName);
            after.CreateClient();
            Assert.Empty(await after.WithDbAsync(db => db.Database.GetPendingMigrationsAsync()));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }
}
