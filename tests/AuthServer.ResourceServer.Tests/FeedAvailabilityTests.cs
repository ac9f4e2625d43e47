using System.Net;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static AuthServer.ResourceServer.Tests.Infrastructure.FeedServers;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// The feed when something fails (decision 010): an API instance or a server instance more, a feed that goes down and
/// comes back (fail open by default and say so on the health endpoint; fail closed when configured). Its own servers,
/// so that these slower tests run beside <see cref="RevocationFeedTests"/> instead of after it.
/// </summary>
public sealed class FeedAvailabilityTests(FeedServers feed) : IClassFixture<FeedServers>
{
    [Fact]
    public async Task Two_instances_of_one_api_both_learn_of_a_revocation()
    {
        using var second = feed.Start(Sample.JwtBearer);
        var victim = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(victim.UserName!)).AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(feed.JwtBearer, token));
        Assert.Equal(HttpStatusCode.OK, await CallAsync(second, token));

        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        await UntilAsync(feed.JwtBearer, token, HttpStatusCode.Unauthorized);
        await UntilAsync(second, token, HttpStatusCode.Unauthorized);
        Assert.True(await feed.Server.WithDbAsync(db => db.SecurityEventStreams.CountAsync(s => s.ClientId == "resource-api-jwtbearer")) >= 2, "Each instance polls its own stream.");
    }

    [Fact]
    public async Task A_second_server_instance_on_the_same_database_serves_the_same_feed()
    {
        using var instanceB = new SecondInstance(feed.Server);
        var backchannel = new Backchannel(feed.Server);
        using var api = feed.Start(Sample.OpenIddict, backchannel);
        var victim = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(victim.UserName!)).AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));
        await PollsAsync(backchannel);

        // From now on the API reaches only instance B; the revocation happens at instance A.
        backchannel.Server = instanceB;
        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        await UntilAsync(api, token, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_api_keeps_accepting_during_an_outage_reports_unhealthy_and_catches_up_without_losing_the_event()
    {
        var backchannel = new Backchannel(feed.Server);
        using var api = feed.Start(Sample.JwtBearer, backchannel, new Dictionary<string, string> { ["AuthServer:RevocationFeed:StaleAfter"] = "00:00:02" });
        var victim = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(victim.UserName!)).AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));
        await PollsAsync(backchannel);
        Assert.Equal(HttpStatusCode.OK, await HealthAsync(api));

        backchannel.Down = true;
        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        // Fail open by default: once the feed is stale (2 s) the API says so on its health endpoint, and still serves (the token unchecked).
        await Eventually.TrueAsync(async () => await HealthAsync(api) == HttpStatusCode.ServiceUnavailable, "The API never reported the stale feed on its health endpoint");
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await HealthAsync(api));

        backchannel.Down = false;
        await UntilAsync(api, token, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, await HealthAsync(api));
    }

    [Fact]
    public async Task With_FailClosed_a_stale_feed_refuses_every_token_until_it_is_back()
    {
        var backchannel = new Backchannel(feed.Server);
        using var api = feed.Start(Sample.OpenIddict, backchannel, new Dictionary<string, string>
        {
            ["AuthServer:RevocationFeed:StaleAfter"] = "00:00:02",
            ["AuthServer:RevocationFeed:FailClosed"] = "true",
        });
        var user = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(user.UserName!)).AccessToken!;
        await UntilAsync(api, token, HttpStatusCode.OK);

        backchannel.Down = true;
        await UntilAsync(api, token, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(5));

        backchannel.Down = false;
        await UntilAsync(api, token, HttpStatusCode.OK, TimeSpan.FromSeconds(5));
    }

    private static async Task<HttpStatusCode> HealthAsync(SampleApi api)
    {
        using var http = api.CreateClient();
        using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        return response.StatusCode;
    }

    /// <summary>Another server instance on the first one's database file and keys.</summary>
    private sealed class SecondInstance : AuthServerFactory
    {
        public SecondInstance(FeedServer first)
        {
            Set("Database:ConnectionString", $"Data Source={Path.Combine(first.Folder, "auth.db")}");
            Set("Keys:SigningKeyFiles:0", first.RsaKeyFile).Set("Keys:EncryptionKeyFiles:0", first.EncryptionKeyFile);
            Set("Tokens:RefreshTokenReuseLeeway", "00:00:00");
            WallClock = true;
        }

    }
}
