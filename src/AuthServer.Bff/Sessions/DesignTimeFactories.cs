using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AuthServer.Bff.Sessions;

/// <summary>Lets `dotnet ef` build the SQLite model without a host.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteBffDbContext>
{
    public SqliteBffDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteBffDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>Lets `dotnet ef` build the SQL Server model without a host (no connection is opened).</summary>
public sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerBffDbContext>
{
    public SqlServerBffDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerBffDbContext>().UseSqlServer("Server=design-time;Database=bff;Integrated Security=true").Options);
}
