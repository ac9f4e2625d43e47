using System.Net;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// Automatic keys seen from both sample APIs, which share the server's test clock and are never restarted: every token
/// validates across a whole rotation, and an emergency revocation stops the revoked key's tokens at the APIs' next JWKS
/// refresh (triggered by the replacement key's unknown `kid`).
/// </summary>
public sealed class KeyRotationTests : IDisposable
{
    private readonly AuthServerFactory _server = new AuthServerFactory().Set("Keys:Automatic", "true");
    private readonly Dictionary<Sample, SampleApi> _apis = [];

    public KeyRotationTests()
    {
        var backchannel = new Backchannel(_server);
        foreach (var sample in new[] { Sample.JwtBearer, Sample.OpenIddict })
        {
            // The APIs' lifetime checks follow the server's test clock; their key fetches are real (RefreshInterval 1 s).
            _apis[sample] = SampleApi.Start(sample, backchannel, ResourceServers.Authority,
                services: services =>
                {
                    services.AddSingleton<TimeProvider>(_server.Clock);
                    services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
                        options.TokenValidationParameters.LifetimeValidator = (notBefore, expires, _, _) =>
                            expires > _server.Clock.GetUtcNow().UtcDateTime && (notBefore is null || notBefore <= _server.Clock.GetUtcNow().UtcDateTime));
                });
        }
    }

    [Fact]
    public async Task Tokens_issued_before_during_and_after_a_rotation_validate_at_both_sample_apis_without_a_restart()
    {
        var client = _server.CreateTokenClient();
        var user = (await _server.CreateUserAsync()).UserName!;
        var first = await KeyProbe.IssueAsync(client, user);
        await AcceptedEverywhereAsync(first.AccessToken);

        // Announced: published, not yet signing. The APIs still hold the JWKS of the start.
        _server.Clock.Advance(TimeSpan.FromDays(76) + TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => (await KeyProbe.PublishedAsync(client)).Count == 4, "the next keys were never announced");
        await AcceptedEverywhereAsync((await KeyProbe.IssueAsync(client, user)).AccessToken);

        _server.Clock.Advance(TimeSpan.FromDays(14) - TimeSpan.FromMinutes(6));
        var before = await KeyProbe.IssueAsync(client, user);
        await AcceptedEverywhereAsync(before.AccessToken);

        // Active: the new key signs; the token signed just before by the retired key is still accepted.
        _server.Clock.Advance(TimeSpan.FromMinutes(7));
        await Eventually.TrueAsync(async () => (await KeyProbe.IssueAsync(client, user)).AccessKid != first.AccessKid, "the next key never signed");
        var after = await KeyProbe.IssueAsync(client, user);
        await AcceptedEverywhereAsync(after.AccessToken);
        await AcceptedEverywhereAsync(before.AccessToken);
        var refreshed = (await client.RefreshAsync(before.RefreshToken)).ShouldSucceed();
        await AcceptedEverywhereAsync(refreshed.AccessToken!);

        // Retired keys gone from the JWKS: tokens of the active key go on validating.
        _server.Clock.Advance(TimeSpan.FromMinutes(30));
        await Eventually.TrueAsync(async () => (await KeyProbe.PublishedAsync(client)).Count == 2, "the retired keys were never unpublished");
        await AcceptedEverywhereAsync((await KeyProbe.IssueAsync(client, user)).AccessToken);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_by_both_apis_after_their_next_jwks_refresh_and_never_signs_again()
    {
        var client = _server.CreateTokenClient();
        var admin = new AdminClient(client.Http);
        var user = (await _server.CreateUserAsync()).UserName!;
        var compromised = await KeyProbe.IssueAsync(client, user);
        await AcceptedEverywhereAsync(compromised.AccessToken);

        var revoked = await admin.OkAsync(HttpMethod.Post, $"/admin/keys/{compromised.AccessKid}/revoke");
        Assert.Equal("revoked", revoked.GetProperty("state").GetString());
        var encryption = await admin.OkAsync(HttpMethod.Post, $"/admin/keys/{compromised.EncryptionKid}/revoke");
        Assert.Equal("revoked", encryption.GetProperty("state").GetString());

        // Unpublished at once; the replacement signs.
        Assert.DoesNotContain(compromised.AccessKid, await KeyProbe.PublishedAsync(client));
        var replacement = await KeyProbe.IssueAsync(client, user);
        Assert.NotEqual(compromised.AccessKid, replacement.AccessKid);
        Assert.NotEqual(compromised.EncryptionKid, replacement.EncryptionKid);

        // The replacement's unknown kid makes each API refresh its JWKS; from then on the revoked key's token is refused.
        await AcceptedEverywhereAsync(replacement.AccessToken);
        foreach (var (sample, api) in _apis)
        {
            Assert.True(await StatusAsync(api, compromised.AccessToken) == HttpStatusCode.Unauthorized, $"{sample} still accepts the revoked key's token");
        }

        // A refresh token encrypted with the revoked encryption key is dead; one under the replacement works.
        (await client.RefreshAsync(compromised.RefreshToken)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await client.RefreshAsync(replacement.RefreshToken)).ShouldSucceed();

        // Never again: not later, not after the next scheduled rotation.
        foreach (var days in new[] { 1, 80, 15 })
        {
            _server.Clock.Advance(TimeSpan.FromDays(days));
            await WallClock.PassAsync(TimeSpan.FromMilliseconds(300), "the key refresher, woken by the clock jump, runs (nothing to observe when it changes nothing)");
            var later = await KeyProbe.IssueAsync(client, user);
            Assert.NotEqual(compromised.AccessKid, later.AccessKid);
            Assert.NotEqual(compromised.EncryptionKid, later.EncryptionKid);
            Assert.DoesNotContain(compromised.AccessKid, await KeyProbe.PublishedAsync(client));
        }
    }

    public void Dispose()
    {
        foreach (var api in _apis.Values)
        {
            api.Dispose();
        }

        _server.Dispose();
    }

    /// <summary>Accepted by both APIs; a token of a key an API has not seen yet is retried while its JWKS refresh completes.</summary>
    private async Task AcceptedEverywhereAsync(string token)
    {
        foreach (var (sample, api) in _apis)
        {
            await Eventually.TrueAsync(
                async () => await StatusAsync(api, token) == HttpStatusCode.OK,
                $"{sample} refused a token signed by {new JsonWebToken(token).Kid}",
                TimeSpan.FromSeconds(10));
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(SampleApi api, string token)
    {
        using var client = api.CreateClient();
        return await ApiCalls.StatusAsync(client, token);
    }
}
