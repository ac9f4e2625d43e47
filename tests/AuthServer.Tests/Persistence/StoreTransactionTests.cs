using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace AuthServer.Tests;

/// <summary>OpenIddict store operations that run their own transaction. Runs on SQLite here and on SQL Server in AuthServer.SqlServer.Tests.</summary>
public sealed class StoreTransactionTests(AuthServerFactory server) : StoreTransactionBehaviour(server), IClassFixture<AuthServerFactory>;

/// <summary>
/// Deleting an authorization deletes its tokens in one transaction; on SQL Server that transaction must run inside
/// the retrying execution strategy (EnableRetryOnFailure), or EF Core refuses it.
/// </summary>
public abstract class StoreTransactionBehaviour(AuthServerFactory server)
{
    private readonly TokenClient _client = server.CreateTokenClient();

    [Fact]
    public async Task Deleting_an_authorization_removes_its_tokens_in_one_transaction_and_the_refresh_token_dies()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        using (var scope = server.Services.CreateScope())
        {
            var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            await foreach (var authorization in authorizations.FindBySubjectAsync(user.Id, TestContext.Current.CancellationToken))
            {
                await authorizations.DeleteAsync(authorization, TestContext.Current.CancellationToken);
            }
        }

        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        var left = await server.WithDbAsync(db => db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Subject == user.Id));
        Assert.Equal(0, left);
    }
}
