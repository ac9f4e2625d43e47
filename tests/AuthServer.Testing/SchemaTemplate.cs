using AuthServer.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Hosting;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// An empty SQLite database at the current schema, migrated once per test process by the server's own migration path and
/// copied into each test server's folder before it starts, so that the suites' hundreds of test servers do not each apply
/// every migration to a new file; the server then finds no pending migration, as on any restart.
/// Tests of a first start or an upgrade give their server a database of their own (or run it as a process), so they still
/// meet an empty file.
/// </summary>
public static class SchemaTemplate
{
    private static readonly Lazy<string> Template = new(() =>
    {
        var folder = Directory.CreateTempSubdirectory("authserver-schema-").FullName;
        var file = Path.Combine(folder, "auth.db");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Database:ConnectionString"] = $"Data Source={file}" })
            .Build();
        var environment = new HostingEnvironment
        {
            EnvironmentName = Environments.Development,
            ApplicationName = "AuthServer",
            ContentRootPath = folder,
            ContentRootFileProvider = new NullFileProvider(),
        };
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddPersistence(configuration, environment);
        using (var provider = services.BuildServiceProvider())
        {
            // On the thread pool: the caller may be on the test framework's synchronization context, which must not wait on itself.
            Task.Run(() => DatabaseInitializer.MigrateAsync(provider, CancellationToken.None)).GetAwaiter().GetResult();
        }

        // Closing the last connection checkpoints the write-ahead log into the file, so the one file is the whole database.
        SqliteConnection.ClearAllPools();
        return file;
    });

    /// <summary>Copies the template to <paramref name="file"/> unless a database is there already.</summary>
    public static void CopyTo(string file)
    {
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.Copy(Template.Value, file);
        }
    }
}
