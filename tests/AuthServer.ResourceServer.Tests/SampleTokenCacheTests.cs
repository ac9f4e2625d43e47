extern alias OpenIddictSample;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Store = OpenIddictSample::ResourceApi.OpenIddict.RememberValidatedTokens.Store;

namespace AuthServer.ResourceServer.Tests;

/// <summary>Both samples remember tokens that passed validation; what a remembered token still has to pass, seen from outside.</summary>
public sealed class SampleTokenCacheTests
{
    [Fact]
    public async Task The_openiddict_sample_answers_a_repeated_token_from_memory_with_the_same_identity_each_time()
    {
        using var server = new AuthServerFactory();
        var token = (await new TokenClient(server.CreateClient()).PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        using var api = SampleApi.Start(Sample.OpenIddict, new Backchannel(server), ResourceServers.Authority);
        using var client = api.CreateClient();
        var store = api.Services.GetRequiredService<Store>();

        var first = await MeAsync(client, token);
        var hitsBefore = store.Hits;
        var second = await MeAsync(client, token);
        var third = await MeAsync(client, token);

        Assert.Equal(2, store.Hits - hitsBefore);
        // OpenIddict maps claims onto the identity it validates: a shared identity would grow with every request.
        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.Contains("\"api\"", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openiddict_sample_never_remembers_a_refused_token()
    {
        using var server = new AuthServerFactory();
        var token = (await new TokenClient(server.CreateClient()).PasswordAsync("alice", TestUsers.AlicePassword, "openid")).ShouldSucceed().AccessToken!;
        using var api = SampleApi.Start(Sample.OpenIddict, new Backchannel(server), ResourceServers.Authority, settings: new Dictionary<string, string> { ["AuthServer:Audience"] = "another-api" });
        using var client = api.CreateClient();
        var store = api.Services.GetRequiredService<Store>();

        // The signature is good, the audience is not: refused after the point where a token could be remembered.
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiCalls.StatusAsync(client, token));
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiCalls.StatusAsync(client, token));

        Assert.Equal(0, store.Hits);
        Assert.Equal(0, store.Cache!.Count);
    }

    [Fact]
    public async Task With_a_capacity_of_zero_the_openiddict_sample_remembers_nothing_and_still_accepts_tokens()
    {
        using var server = new AuthServerFactory();
        var token = (await new TokenClient(server.CreateClient()).PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        using var api = SampleApi.Start(Sample.OpenIddict, new Backchannel(server), ResourceServers.Authority, settings: new Dictionary<string, string> { ["AuthServer:ValidatedTokenCacheSize"] = "0" });
        using var client = api.CreateClient();

        Assert.Equal(HttpStatusCode.OK, await ApiCalls.StatusAsync(client, token));
        Assert.Equal(HttpStatusCode.OK, await ApiCalls.StatusAsync(client, token));

        Assert.Null(api.Services.GetRequiredService<Store>().Cache);
    }

    [Theory]
    [InlineData(Sample.JwtBearer)]
    [InlineData(Sample.OpenIddict)]
    public async Task A_remembered_token_is_refused_once_its_key_is_withdrawn_from_the_jwks(Sample sample)
    {
        using var before = new AuthServerFactory();
        using var after = new AuthServerFactory();
        var (oldKey, encryption) = KeyFiles.Create(before.Folder, "old");
        var (newKey, _) = KeyFiles.Create(before.Folder, "new");
        before.Set("Keys:SigningKeyFiles:0", oldKey).Set("Keys:EncryptionKeyFiles:0", encryption);
        after.Set("Keys:SigningKeyFiles:0", newKey).Set("Keys:EncryptionKeyFiles:0", encryption);
        var oldToken = (await new TokenClient(before.CreateClient()).PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        var newToken = (await new TokenClient(after.CreateClient()).PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        var backchannel = new Backchannel(before);
        using var api = SampleApi.Start(sample, backchannel, ResourceServers.Authority);
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, await ApiCalls.StatusAsync(client, oldToken));
        Assert.Equal(HttpStatusCode.OK, await ApiCalls.StatusAsync(client, oldToken));

        // The old key is withdrawn (an emergency revocation); a token under the new key makes the API refresh its keys.
        backchannel.Server = after;
        await ApiCalls.UntilAcceptedAsync(client, newToken);
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiCalls.StatusAsync(client, oldToken));
    }

    private static async Task<string> MeAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetRawText();
    }
}
