using AuthServer.SqlServer.Tests.Infrastructure;
using AuthServer.Tests;

namespace AuthServer.SqlServer.Tests;

// The SQLite test classes' own test methods, against SQL Server 2022: nothing is copied, only the server differs.

[Collection(SqlServerInstance.Collection)]
public sealed class SqlServerRefreshRotationTests(SqlServerInstance sql, SqlServerAuthServerFactory server)
    : RefreshRotationBehaviour(server.On(sql)), IClassFixture<SqlServerAuthServerFactory>;

[Collection(SqlServerInstance.Collection)]
public sealed class SqlServerUserChecksTests(SqlServerInstance sql, SqlServerAuthServerFactory server)
    : UserChecksBehaviour(server.On(sql)), IClassFixture<SqlServerAuthServerFactory>;

[Collection(SqlServerInstance.Collection)]
public sealed class SqlServerAccessTokenTests(SqlServerInstance sql, SqlServerAuthServerFactory server)
    : AccessTokenBehaviour(server.On(sql)), IClassFixture<SqlServerAuthServerFactory>;

[Collection(SqlServerInstance.Collection)]
public sealed class SqlServerExpiryTests(SqlServerInstance sql, SqlServerAuthServerFactory server)
    : ExpiryBehaviour(server.On(sql)), IClassFixture<SqlServerAuthServerFactory>;

[Collection(SqlServerInstance.Collection)]
public sealed class SqlServerRevocationRaceTests(SqlServerInstance sql, SqlServerAuthServerFactory server)
    : RevocationRaceBehaviour(server.On(sql)), IClassFixture<SqlServerAuthServerFactory>;

[Collection(SqlServerInstance.Collection)]
public sealed class SqlServerUniqueUsersTests(SqlServerInstance sql, SqlServerAuthServerFactory server)
    : UniqueUsersBehaviour(server.On(sql)), IClassFixture<SqlServerAuthServerFactory>;
