using System.ComponentModel.DataAnnotations;

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

    /// <summary>Pooled contexts avoid rebuilding services per request; the pool bounds the contexts kept for reuse.</summary>
    [Range(8, 4096)]
    public int ContextPoolSize { get; set; } = 256;
}
