using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AuthServer.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
}

public enum SqliteSynchronous
{
    Normal,
    Full,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>A relative SQLite path is resolved against the content root, so the default needs nothing installed.</summary>
    [Required]
    public string ConnectionString { get; set; } = "Data Source=App_Data/authserver.db";

    /// <summary>Apply pending migrations at start. Unset means: yes for SQLite, no for SQL Server (run `migrate`).</summary>
    public bool? MigrateOnStartup { get; set; }

    public bool ShouldMigrateOnStartup => MigrateOnStartup ?? Provider == DatabaseProvider.Sqlite;

    /// <summary>SQLite durability: Normal (default, WAL) survives process crashes; Full also survives power loss, at an fsync per commit.</summary>
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>How long an instance waits for others starting on the same database to finish their start-up writes (StartupLock).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StartupLockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Pooled contexts avoid rebuilding services per request; the pool bounds the contexts kept for reuse.</summary>
    [Range(8, 4096)]
    public int ContextPoolSize { get; set; } = 256;
}

/// <summary>A connection string the provider cannot parse is named at start, not met as an exception at the first query.</summary>
public sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        try
        {
            DbConnectionStringBuilder builder = options.Provider == DatabaseProvider.SqlServer
                ? SqlServerConnectionString(options.ConnectionString)
                : new SqliteConnectionStringBuilder(options.ConnectionString);
            return builder.Count > 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{DatabaseOptions.Section}:{nameof(DatabaseOptions.ConnectionString)} is empty.");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The provider's message names the position, never the value (which may hold a password).
            return ValidateOptionsResult.Fail($"{DatabaseOptions.Section}:{nameof(DatabaseOptions.ConnectionString)} is not a valid {options.Provider} connection string: {ex.Message}");
        }
    }

    /// <summary>Its own method, so that a server on SQLite never loads SQL Server's client library.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "The SQL Server type in this signature would load its library wherever the caller is compiled.")]
    private static DbConnectionStringBuilder SqlServerConnectionString(string connectionString) => new SqlConnectionStringBuilder(connectionString);
}
