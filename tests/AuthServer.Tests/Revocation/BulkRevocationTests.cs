using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Tests;

public sealed class BulkRevocationTests(CountingServerFactory server, ITestOutputHelper output) : IClassFixture<CountingServerFactory>
{
    private const int TokenCount = 10_000;
    private readonly TokenClient _client = new(server.CreateClient());
    private readonly AdminClient _admin = new(server.CreateClient());

    [Fact]
    public async Task A_user_with_ten_thousand_refresh_tokens_is_revoked_with_one_update_per_table()
    {
        var user = await server.CreateUserAsync();
        var live = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        await InsertTokensAsync(user.Id, TokenCount - 1);
        await _admin.SendAsync(HttpMethod.Get, "/admin/users?pageSize=1");
        server.Counter.Commands.Clear();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var counts = await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.UserName}/revoke-tokens");
        output.WriteLine($"Revoked {TokenCount} tokens in {watch.ElapsedMilliseconds} ms (token request included), {server.Counter.Commands.Count} commands");

        var commands = server.Counter.Commands.ToList();
        Assert.Equal(TokenCount, counts.GetProperty("tokens").GetInt32());
        Assert.Single(commands, c => c.StartsWith("UPDATE \"OpenIddictTokens\"", StringComparison.Ordinal));
        Assert.Single(commands, c => c.StartsWith("UPDATE \"OpenIddictAuthorizations\"", StringComparison.Ordinal));
        // The rows written are the revocation feed's event (SharedSignals/) and the line in the user's account history, in the same transaction.
        Assert.Single(commands, c => c.StartsWith("INSERT INTO \"SecurityEvents\"", StringComparison.Ordinal));
        Assert.Single(commands, c => c.StartsWith("INSERT INTO \"AccountEvents\"", StringComparison.Ordinal));
        Assert.DoesNotContain(commands, c => c.Contains("DELETE", StringComparison.Ordinal)
            || (c.Contains("INSERT", StringComparison.Ordinal)
                && !c.StartsWith("INSERT INTO \"SecurityEvents\"", StringComparison.Ordinal) && !c.StartsWith("INSERT INTO \"AccountEvents\"", StringComparison.Ordinal)));
        Assert.Equal(0, await server.WithDbAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(t => t.Subject == user.Id && t.Status != "revoked")));
        (await _client.RefreshAsync(live.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    /// <summary>Rows written straight through the DbContext: ten thousand sign-ins over HTTP would only slow the test.</summary>
    private Task<int> InsertTokensAsync(string subject, int count) => server.WithDbAsync(async db =>
    {
        var spa = await db.Set<OpenIddictEntityFrameworkCoreApplication>().SingleAsync(a => a.ClientId == TokenClient.Spa);
        var now = server.Clock.GetUtcNow().UtcDateTime;
        var authorization = new OpenIddictEntityFrameworkCoreAuthorization
        {
            Application = spa, Subject = subject, Status = "valid", Type = "ad-hoc", CreationDate = now,
        };
        db.AddRange(Enumerable.Range(0, count).Select(_ => new OpenIddictEntityFrameworkCoreToken
        {
            Application = spa, Authorization = authorization, Subject = subject, Status = "valid", Type = "refresh_token",
            CreationDate = now, ExpirationDate = now.AddDays(7), ReferenceId = null,
        }));
        return await db.SaveChangesAsync();
    });
}
