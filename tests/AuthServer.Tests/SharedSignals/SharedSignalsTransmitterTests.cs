using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AuthServer.Contracts.SharedSignals;
using AuthServer.Revocation;
using AuthServer.SharedSignals;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests;

/// <summary>
/// The revocation feed as a receiver sees it over HTTP (OpenID SSF 1.0 metadata and streams, RFC 8936 polls, RFC 8417
/// SETs verified with the published JWKS), and what each revocation writes into it.
/// </summary>
public sealed class SharedSignalsTransmitterTests(SharedSignalsTransmitterTests.Server server) : IClassFixture<SharedSignalsTransmitterTests.Server>
{
    private const string SessionRevoked = EventTypes.SessionRevoked;
    private readonly HttpClient _http = server.CreateClient();

    [Fact]
    public async Task The_transmitter_metadata_names_the_issuer_the_jwks_poll_delivery_and_the_configuration_endpoint()
    {
        var metadata = JsonDocument.Parse(await _http.GetStringAsync(new Uri(SharedSignalsEndpoints.Configuration, UriKind.Relative), TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal("1_0", metadata.GetProperty("spec_version").GetString());
        Assert.Equal("http://localhost:5000/", metadata.GetProperty("issuer").GetString());
        Assert.Equal("http://localhost:5000/.well-known/jwks", metadata.GetProperty("jwks_uri").GetString());
        Assert.Equal(["urn:ietf:rfc:8936"], metadata.GetProperty("delivery_methods_supported").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("http://localhost:5000/ssf/streams", metadata.GetProperty("configuration_endpoint").GetString());
        Assert.Equal("urn:ietf:rfc:6749", metadata.GetProperty("authorization_schemes")[0].GetProperty("spec_urn").GetString());
    }

    [Fact]
    public async Task A_revocation_of_a_user_is_one_signed_set_per_stream_with_the_revoked_chains_and_no_exp_or_sub()
    {
        var feed = await NewStreamAsync();
        var user = await server.CreateUserAsync();
        var chain = new JsonWebToken((await new TokenClient(_http).PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed().AccessToken!).GetClaim("oi_au_id").Value;

        await new AdminClient(_http).OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");

        var set = Assert.Single(await SetsOfAsync(feed, user.Id));
        var header = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(set.Split('.')[0])).RootElement;
        Assert.Equal("secevent+jwt", header.GetProperty("typ").GetString());
        var claims = await feed.VerifyAsync(set);
        Assert.False(claims.TryGetProperty("exp", out _));
        Assert.False(claims.TryGetProperty("sub", out _));
        Assert.Equal(feed.ClientId, claims.GetProperty("aud").GetString());
        Assert.Equal(32, claims.GetProperty("txn").GetString()!.Length);
        var subject = claims.GetProperty("sub_id");
        Assert.Equal("iss_sub", subject.GetProperty("format").GetString());
        Assert.Equal("http://localhost:5000/", subject.GetProperty("iss").GetString());
        Assert.Equal(user.Id, subject.GetProperty("sub").GetString());
        var revoked = claims.GetProperty("events").GetProperty(SessionRevoked);
        Assert.Equal("admin", revoked.GetProperty("initiating_entity").GetString());
        Assert.Equal("operator", revoked.GetProperty("reason_admin").GetProperty("en").GetString());
        Assert.Equal([chain], revoked.GetProperty(SessionRevokedMembers.SessionIds).EnumerateArray().Select(id => id.GetString()));

        // Served until every token issued before it has expired: 15 minutes plus the one-minute margin.
        var at = revoked.GetProperty("event_timestamp").GetInt64();
        Assert.Equal(at + 16 * 60, revoked.GetProperty(SessionRevokedMembers.RetainUntil).GetInt64());
    }

    [Fact]
    public async Task Revoking_everything_of_a_client_is_one_event_about_the_application()
    {
        var feed = await NewStreamAsync();
        await DrainAsync(feed);

        await new AdminClient(_http).OkAsync(HttpMethod.Post, $"/admin/clients/{TokenClient.Ops}/revoke-tokens");

        // Ops tokens issued in the second of that revocation are refused; the other tests here get theirs a second later.
        server.Clock.Advance(TimeSpan.FromSeconds(1));

        var claims = await feed.VerifyAsync(Assert.Single(await feed.SetsAsync()).Value);
        var subject = claims.GetProperty("sub_id");
        Assert.Equal("complex", subject.GetProperty("format").GetString());
        Assert.False(subject.TryGetProperty("user", out _));
        Assert.Equal(TokenClient.Ops, subject.GetProperty("application").GetProperty("id").GetString());
        Assert.Equal("admin", claims.GetProperty("events").GetProperty(SessionRevoked).GetProperty("initiating_entity").GetString());
    }

    [Fact]
    public async Task A_password_change_is_a_session_revoked_and_a_credential_change_sharing_one_txn()
    {
        var feed = await NewStreamAsync();
        var user = await server.CreateUserAsync();

        await server.WithUsersAsync(async users =>
            Assert.True((await users.ChangePasswordAsync((await users.FindByIdAsync(user.Id))!, TestUsers.Password, "Changed-Pass-4567")).Succeeded));

        var claims = await Task.WhenAll((await SetsOfAsync(feed, user.Id)).Select(feed.VerifyAsync));
        Assert.Equal(2, claims.Length);
        Assert.Single(claims.Select(c => c.GetProperty("txn").GetString()).Distinct());
        var change = Assert.Single(claims, c => c.GetProperty("events").TryGetProperty(EventTypes.CredentialChange, out _))
            .GetProperty("events").GetProperty(EventTypes.CredentialChange);
        Assert.Equal("password", change.GetProperty("credential_type").GetString());
        Assert.Equal("update", change.GetProperty("change_type").GetString());
        Assert.Equal("user", change.GetProperty("initiating_entity").GetString());
        Assert.Single(claims, c => c.GetProperty("events").TryGetProperty(SessionRevoked, out _));
    }

    [Fact]
    public async Task Ending_a_browser_session_is_a_complex_subject_naming_the_session()
    {
        var feed = await NewStreamAsync();
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var sid = new JsonWebToken(tokens.AccessToken!).GetClaim("sid").Value;

        using (await browser.GetAsync($"{Tokens.Endpoints.EndSession}?id_token_hint={tokens.Get("id_token")}"))
        {
        }

        var set = Assert.Single(await SetsOfAsync(feed, user.Id));
        var claims = await feed.VerifyAsync(set);
        var subject = claims.GetProperty("sub_id");
        Assert.Equal("complex", subject.GetProperty("format").GetString());
        Assert.Equal(user.Id, subject.GetProperty("user").GetProperty("sub").GetString());
        Assert.Equal("opaque", subject.GetProperty("session").GetProperty("format").GetString());
        Assert.Equal(sid, subject.GetProperty("session").GetProperty("id").GetString());
        Assert.Equal("logout", claims.GetProperty("events").GetProperty(SessionRevoked).GetProperty("reason_admin").GetProperty("en").GetString());

        // Logging out again ends nothing new, so it says nothing new.
        await feed.SetsAsync(new { ack = new[] { new JsonWebToken(set).Id }, returnImmediately = true });
        using (await browser.GetAsync($"{Tokens.Endpoints.EndSession}?id_token_hint={tokens.Get("id_token")}"))
        {
        }

        Assert.Empty(await SetsOfAsync(feed, user.Id));
    }

    [Fact]
    public async Task Acknowledged_sets_leave_that_stream_only_and_maxEvents_pages_with_moreAvailable()
    {
        var first = await NewStreamAsync();
        var second = await NewStreamAsync(FeedClient.OpenIddictReceiver, FeedClient.OpenIddictSecret);
        await DrainAsync(first);
        await DrainAsync(second);
        var user = await server.CreateUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await new AdminClient(_http).OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");
        }

        var (status, page) = await first.PollAsync(new { maxEvents = 2, returnImmediately = true });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, page.GetProperty("sets").EnumerateObject().Count());
        Assert.True(page.GetProperty("moreAvailable").GetBoolean());

        var acked = page.GetProperty("sets").EnumerateObject().Select(p => p.Name).ToArray();
        var rest = await first.SetsAsync(new { ack = acked, returnImmediately = true });
        Assert.Single(rest);
        Assert.DoesNotContain(rest.Keys, acked.Contains);
        Assert.Empty(await first.SetsAsync(new { ack = rest.Keys.ToArray(), returnImmediately = true }));

        // The other receiver acknowledged nothing: it still has all three.
        Assert.Equal(3, (await second.SetsAsync(new { returnImmediately = true })).Count);
    }

    [Fact]
    public async Task setErrs_count_as_handled_for_that_stream_and_are_logged_without_the_description()
    {
        var feed = await NewStreamAsync();
        await DrainAsync(feed);
        var user = await server.CreateUserAsync();
        await new AdminClient(_http).OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");
        var jti = Assert.Single(await feed.SetsAsync()).Key;

        var answer = await feed.SetsAsync(new { setErrs = new Dictionary<string, object> { [jti] = new { err = "authentication_failed", description = "secret-description-text" } }, returnImmediately = true });

        Assert.Empty(answer);
        Assert.Equal("authentication_failed", await server.WithDbAsync(db => db.SecurityEventAcks.Where(a => a.StreamId == feed.StreamId && a.Error != null).Select(a => a.Error).SingleAsync()));
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2023 && e.RenderMessage().Contains(jti, StringComparison.Ordinal));
        Assert.DoesNotContain(server.LogEvents, e => e.RenderMessage().Contains("secret-description-text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_returnImmediately_a_poll_is_held_until_an_event_arrives()
    {
        var feed = await NewStreamAsync();
        await DrainAsync(feed);
        var user = await server.CreateUserAsync();

        var watch = Stopwatch.StartNew();
        var poll = feed.SetsAsync(new { });
        await Meanwhile.StillPendingAsync(poll, TimeSpan.FromMilliseconds(500), "The poll answered with no event to send");
        await new AdminClient(_http).OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");

        Assert.Single(await poll);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Held {watch.Elapsed} (the wait is 10 s).");
    }

    public static TheoryData<string, string?, int, string> BadPolls => new()
    {
        { "application/json", "not json", 400, "invalid_request" },
        { "application/json", "[]", 400, "invalid_request" },
        { "application/json", "{\"maxEvents\":-1}", 400, "invalid_request" },
        { "application/json", "{\"maxEvents\":\"5\"}", 400, "invalid_request" },
        { "application/json", "{\"returnImmediately\":\"yes\"}", 400, "invalid_request" },
        { "application/json", "{\"ack\":\"abc\"}", 400, "invalid_request" },
        { "application/json", "{\"ack\":[1,2]}", 400, "invalid_request" },
        { "application/json", "{\"setErrs\":{\"abc\":\"oops\"}}", 400, "invalid_request" },
        { "application/json", "{\"setErrs\":[]}", 400, "invalid_request" },
        { "text/plain", "{}", 415, "invalid_request" },
        { "application/json", "{\"maxEvents\":99999999999}", 400, "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(BadPolls))]
    public async Task A_malformed_poll_is_a_4xx_naming_the_problem_never_a_500(string contentType, string? body, int status, string err)
    {
        var feed = await NewStreamAsync();

        var (actual, json) = await feed.SendAsync(HttpMethod.Post, feed.PollEndpoint!.PathAndQuery, contentType: contentType, rawBody: body);

        Assert.Equal(status, (int)actual);
        Assert.Equal(err, json.GetProperty("err").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("description").GetString()));
    }

    [Fact]
    public async Task Other_methods_are_405_and_the_metadata_answers_HEAD()
    {
        var feed = await NewStreamAsync();

        var (get, _) = await feed.SendAsync(HttpMethod.Get, feed.PollEndpoint!.PathAndQuery);
        using var post = await _http.PostAsync(new Uri(SharedSignalsEndpoints.Configuration, UriKind.Relative), null, TestContext.Current.CancellationToken);
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, SharedSignalsEndpoints.Configuration), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", post.Content.Headers.Allow.Count > 0 ? string.Join(", ", post.Content.Headers.Allow) : post.Headers.GetValues("Allow").Single());
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task Unknown_ack_ids_and_unknown_members_are_ignored()
    {
        var feed = await NewStreamAsync();

        var (status, json) = await feed.PollAsync(new { ack = new[] { "never-issued" }, returnImmediately = true, futureMember = 1 });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Object, json.GetProperty("sets").ValueKind);
    }

    [Fact]
    public async Task The_feed_needs_a_token_with_its_scope_and_a_stream_of_ones_own()
    {
        var mine = await NewStreamAsync();
        var theirs = await NewStreamAsync(FeedClient.OpenIddictReceiver, FeedClient.OpenIddictSecret);

        using var anonymous = await _http.PostAsync(mine.PollEndpoint, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("authentication_failed", JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("err").GetString());

        var ops = (await new TokenClient(_http).ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        var (forbidden, body) = await new FeedClient(_http).SendAsync(HttpMethod.Post, mine.PollEndpoint!.PathAndQuery, new { }, accessToken: ops);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal("access_denied", body.GetProperty("err").GetString());

        var (notMine, _) = await mine.SendAsync(HttpMethod.Post, theirs.PollEndpoint!.PathAndQuery, new { returnImmediately = true });
        Assert.Equal(HttpStatusCode.NotFound, notMine);
        var (unknown, _) = await mine.SendAsync(HttpMethod.Post, $"{SharedSignalsEndpoints.Poll}/{new string('0', 32)}", new { returnImmediately = true });
        Assert.Equal(HttpStatusCode.NotFound, unknown);
    }

    [Fact]
    public async Task A_stream_is_read_and_deleted_by_its_owner_and_push_delivery_is_refused()
    {
        var feed = await NewStreamAsync();

        var (read, stream) = await feed.SendAsync(HttpMethod.Get, $"{SharedSignalsEndpoints.Streams}?stream_id={feed.StreamId}");
        Assert.Equal(HttpStatusCode.OK, read);
        Assert.Equal(feed.ClientId, stream.GetProperty("aud").GetString());
        Assert.Equal("urn:ietf:rfc:8936", stream.GetProperty("delivery").GetProperty("method").GetString());

        var (push, error) = await feed.SendAsync(HttpMethod.Post, SharedSignalsEndpoints.Streams, new { delivery = new { method = "urn:ietf:rfc:8935", endpoint_url = "https://example.test/" } });
        Assert.Equal(HttpStatusCode.BadRequest, push);
        Assert.Equal("invalid_request", error.GetProperty("err").GetString());

        var (deleted, _) = await feed.SendAsync(HttpMethod.Delete, $"{SharedSignalsEndpoints.Streams}?stream_id={feed.StreamId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted);
        Assert.Equal(HttpStatusCode.NotFound, (await feed.PollAsync()).Status);
    }

    [Fact]
    public async Task A_new_stream_is_served_every_live_event_and_pruning_removes_events_once_no_token_they_refuse_can_be_alive()
    {
        var user = await server.CreateUserAsync();
        await new AdminClient(_http).OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");

        // A receiver that starts (or restarts) after the revocation still hears of it.
        var late = await NewStreamAsync();
        Assert.Single(await SetsOfAsync(late, user.Id));

        using (var scope = server.Services.CreateScope())
        {
            server.Clock.Advance(TimeSpan.FromMinutes(16) + TimeSpan.FromSeconds(1));
            await scope.ServiceProvider.GetRequiredService<TokenPruner>().PruneAsync(CancellationToken.None);
        }

        Assert.Equal(0, await server.WithDbAsync(db => db.SecurityEvents.CountAsync(e => e.Subject == user.Id)));
        var fresh = await NewStreamAsync();
        Assert.Empty(await SetsOfAsync(fresh, user.Id));
    }

    private async Task<FeedClient> NewStreamAsync(string clientId = FeedClient.JwtBearerReceiver, string secret = FeedClient.JwtBearerSecret)
    {
        var feed = new FeedClient(_http, clientId, secret);
        await feed.CreateStreamAsync();
        return feed;
    }

    private static async Task DrainAsync(FeedClient feed)
    {
        string[] ack = [];
        while (true)
        {
            var sets = await feed.SetsAsync(new { ack, returnImmediately = true });
            if (sets.Count == 0)
            {
                return;
            }

            ack = [.. sets.Keys];
        }
    }

    /// <summary>The SETs of this poll about <paramref name="userId"/> (other tests of the class write events too).</summary>
    private async Task<List<string>> SetsOfAsync(FeedClient feed, string userId)
    {
        var jtis = await server.WithDbAsync(db => db.SecurityEvents.Where(e => e.Subject == userId).Select(e => e.Jti).ToListAsync());
        return [.. (await feed.SetsAsync(new { maxEvents = 1000, returnImmediately = true })).Where(p => jtis.Contains(p.Key)).Select(p => p.Value)];
    }

    /// <summary>The Development server; events live 15 minutes plus the default margin.</summary>
    public sealed class Server : AuthServerFactory
    {
        public Server() => Set("SharedSignals:LongPollCheckInterval", "00:00:00.100");
    }
}
