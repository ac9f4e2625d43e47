using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Tests;

/// <summary>The one-use rows of DPoP proofs (decision 018) are pruned with the rest, once they can no longer matter.</summary>
public sealed class DpopPruningTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private readonly TokenClient _client = server.CreateTokenClient();
    private readonly AdminClient _admin = new(server.CreateClient());

    [Fact]
    public async Task DPoP_proofs_seen_are_kept_while_they_could_pass_and_pruned_after()
    {
        var user = await server.CreateUserAsync();
        using var key = new DpopKey();
        (await _client.PostAsync(new()
        {
            ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = user.UserName!, ["password"] = TestUsers.Password,
        }, key.Proof(_client.TokenEndpointUri, server.Clock.GetUtcNow()))).ShouldSucceed();
        var rows = () => server.WithDbAsync(db => db.OneTimeUses.CountAsync());
        var before = await rows();

        await _admin.OkAsync(HttpMethod.Post, "/admin/prune");
        Assert.Equal(before, await rows());

        // The default proof lifetime (1 min) and twice the clock skew (5 s) later, the proof could not pass again anyway.
        server.Clock.Advance(TimeSpan.FromSeconds(71));
        await _admin.OkAsync(HttpMethod.Post, "/admin/prune");
        Assert.True(before >= 1);
        Assert.Equal(0, await rows());
    }
}
