using AuthServer.SqlServer.Tests.Infrastructure;
using AuthServer.Tests;

namespace AuthServer.SqlServer.Tests;

[Collection(SqlServerInstance.Collection)]
public sealed class SqlServerStoreTransactionTests(SqlServerInstance sql, SqlServerAuthServerFactory server)
    : StoreTransactionBehaviour(server.On(sql)), IClassFixture<SqlServerAuthServerFactory>
{
    [Fact]
    public async Task Server_runs_with_the_retrying_execution_strategy_on_SQL_Server()
    {
        server.CreateTokenClient();

        var (retries, provider) = await server.WithDbAsync(db =>
            Task.FromResult((db.Database.CreateExecutionStrategy().RetriesOnFailure, db.Database.ProviderName)));

        Assert.Equal("Microsoft.EntityFrameworkCore.SqlServer", provider);
        Assert.True(retries);
    }
}
