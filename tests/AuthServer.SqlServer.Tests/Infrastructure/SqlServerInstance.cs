using DotNet.Testcontainers.Builders;
using Testcontainers.MsSql;

namespace AuthServer.SqlServer.Tests.Infrastructure;

/// <summary>
/// One SQL Server for the whole SQL Server collection: the one named by AUTHSERVER_TEST_SQLSERVER, or else
/// SQL Server 2022 in a container. Without either (no Docker engine answers), it records why, and every test
/// on it reports skipped with that reason.
/// </summary>
public sealed class SqlServerInstance : IAsyncLifetime
{
    public const string Collection = "SQL Server";

    /// <summary>A connection string to an existing server (any database; each test class creates its own).</summary>
    public const string ConnectionVariable = "AUTHSERVER_TEST_SQLSERVER";

    /// <summary>Set (to anything) on a Docker-capable runner: a missing engine then fails the run instead of skipping.</summary>
    public const string RequiredVariable = "AUTHSERVER_TEST_SQLSERVER_REQUIRED";

    private const string Image = "mcr.microsoft.com/mssql/server:2022-latest";

    private MsSqlContainer? _container;

    /// <summary>The server, with no database chosen; null when <see cref="UnavailableReason"/> is set.</summary>
    public string? ConnectionString { get; private set; }

    public string? UnavailableReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var existing = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(existing))
        {
            ConnectionString = existing;
            return;
        }

        try
        {
            _container = new MsSqlBuilder(Image).Build();
            await _container.StartAsync();
            ConnectionString = _container.GetConnectionString();
        }
        catch (DockerUnavailableException ex) when (Environment.GetEnvironmentVariable(RequiredVariable) is null or "")
        {
            // Only a missing engine skips; a container that starts and then fails is a real failure.
            UnavailableReason = $"No Docker engine answers ({ex.Message.Split('\n')[0].Trim()}) and {ConnectionVariable} is not set: SQL Server tests need one or the other.";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}

[CollectionDefinition(SqlServerInstance.Collection)]
public sealed class SqlServerTestGroup : ICollectionFixture<SqlServerInstance>;
