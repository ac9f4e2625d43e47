using System.Net;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.ResourceServer.Tests;

/// <summary>The APIs cache the server's keys: garbage kids cannot amplify into JWKS fetches (one per second at most), and a new key is picked up without a restart.</summary>
public sealed class KeyCacheTests
{
    [Theory]
    [InlineData(Sample.JwtBearer)]
    [InlineData(Sample.OpenIddict)]
    public async Task A_thousand_tokens_with_random_kids_cause_at_most_a_handful_of_jwks_fetches(Sample sample)
    {
        using var server = new AuthServerFactory();
        var tokens = new TokenClient(server.CreateClient());
        var token = (await tokens.PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        using var api = SampleApi.Start(sample, new Backchannel(server), ResourceServers.Authority);
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, await ApiCalls.StatusAsync(client, token));
        var before = api.Backchannel.JwksFetches;

        var statuses = new HttpStatusCode[1000];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForAsync(0, statuses.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            statuses[i] = await ApiCalls.StatusAsync(client, Forger.WithRandomKid(token)));

        // One fetch per RefreshInterval (1 s) at most, however many kids: the first at once, then one per second elapsed.
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.InRange(before, 1, 2);
        Assert.InRange(api.Backchannel.JwksFetches - before, 1, 2 + (int)watch.Elapsed.TotalSeconds);
    }

    [Theory]
    [InlineData(Sample.JwtBearer)]
    [InlineData(Sample.OpenIddict)]
    public async Task Tokens_signed_before_and_after_a_key_rollover_are_both_accepted_without_a_restart(Sample sample)
    {
        using var before = new AuthServerFactory();
        using var after = new AuthServerFactory();
        var (oldKey, encryption) = KeyFiles.Create(before.Folder, "old");
        var (newKey, _) = KeyFiles.Create(before.Folder, "new");
        before.Set("Keys:SigningKeyFiles:0", oldKey).Set("Keys:EncryptionKeyFiles:0", encryption);
        after.Set("Keys:SigningKeyFiles:0", newKey).Set("Keys:SigningKeyFiles:1", oldKey).Set("Keys:EncryptionKeyFiles:0", encryption);
        var oldToken = (await new TokenClient(before.CreateClient()).PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        var newToken = (await new TokenClient(after.CreateClient()).PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        var backchannel = new Backchannel(before);
        using var api = SampleApi.Start(sample, backchannel, ResourceServers.Authority);
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, await ApiCalls.StatusAsync(client, oldToken));

        // The deployment now signs with the new key and still publishes the old one.
        backchannel.Server = after;
        var fetches = backchannel.JwksFetches;
        await ApiCalls.UntilAcceptedAsync(client, newToken);
        Assert.Equal(HttpStatusCode.OK, await ApiCalls.StatusAsync(client, oldToken));
        Assert.InRange(backchannel.JwksFetches - fetches, 1, 2);
    }
}
