using System.Diagnostics;
using System.Net;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using static AuthServer.ResourceServer.Tests.Infrastructure.FeedServers;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// Key changes on the feed (decision 016), in real time (the wall clock, default intervals): key changes reach both
/// sample APIs through the revocation feed while tokens with forged kids flood them, the attack that used to spend the
/// APIs' one JWKS refresh per 5 minutes. An emergency rotation never refuses a token, a revoked key is refused within 5
/// s, a revocation signed by a key the API has not fetched yet is applied, and an API without the feed recovers within
/// one RefreshInterval of the new key's first token.
/// </summary>
public sealed class KeyEventTests
{
    [Fact]
    public async Task After_an_emergency_rotation_every_new_token_is_accepted_at_its_first_call_at_both_apis()
    {
        using var stack = new KeyStack();
        var session = await stack.SignInAsync();
        await using var flood = await stack.FloodAsync(session.AccessToken!);

        var rotated = await stack.Admin.OkAsync(HttpMethod.Post, "/admin/keys/rotate", new { use = "access" });
        var newKid = rotated.GetProperty("keys")[0].GetProperty("kid").GetString()!;
        Assert.Equal("announced", rotated.GetProperty("keys")[0].GetProperty("state").GetString());

        // A token every round, through the publication delay and until the new key has signed for 2 s: none is ever refused.
        var watch = Stopwatch.StartNew();
        var refreshToken = session.RefreshToken!;
        TimeSpan? newKeySigned = null;
        await Eventually.TrueAsync(
            async () =>
            {
                var issued = (await stack.Tokens.RefreshAsync(refreshToken)).ShouldSucceed();
                refreshToken = issued.RefreshToken!;
                var kid = new JsonWebToken(issued.AccessToken!).Kid;
                newKeySigned ??= kid == newKid ? watch.Elapsed : null;
                foreach (var (sample, api) in stack.Apis)
                {
                    var status = await CallAsync(api, issued.AccessToken!);
                    Assert.True(status == HttpStatusCode.OK, $"{sample} answered {(int)status} to a token of {kid} {watch.Elapsed.TotalSeconds:0.0} s after the rotation");
                }

                return watch.Elapsed >= newKeySigned + TimeSpan.FromSeconds(2);
            },
            "The rotated key never signed (or not for 2 s)",
            TimeSpan.FromSeconds(30));

        await flood.StopAsync();
        Assert.InRange(newKeySigned!.Value, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_both_apis_within_five_seconds_and_its_replacement_is_accepted()
    {
        using var stack = new KeyStack();
        var session = await stack.SignInAsync();
        var compromised = new JsonWebToken(session.AccessToken!).Kid;
        foreach (var api in stack.Apis.Values)
        {
            // Also remembered by both APIs' validated-token caches: the revocation must reach those too.
            Assert.Equal(HttpStatusCode.OK, await CallAsync(api, session.AccessToken!));
        }

        await using var flood = await stack.FloodAsync(session.AccessToken!);
        await stack.Admin.OkAsync(HttpMethod.Post, $"/admin/keys/{compromised}/revoke");
        var watch = Stopwatch.StartNew();
        foreach (var (sample, api) in stack.Apis)
        {
            await UntilAsync(api, session.AccessToken!, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(5) - watch.Elapsed);
        }

        var replacement = (await stack.Tokens.RefreshAsync(session.RefreshToken!)).ShouldSucceed();
        Assert.NotEqual(compromised, new JsonWebToken(replacement.AccessToken!).Kid);
        foreach (var api in stack.Apis.Values)
        {
            Assert.Equal(HttpStatusCode.OK, await CallAsync(api, replacement.AccessToken!));
            Assert.DoesNotContain(compromised, api.Services.GetRequiredService<IssuerKeys>().KeyIds);
        }

        await flood.StopAsync();
    }

    [Fact]
    public async Task A_revocation_signed_by_a_key_the_apis_have_not_fetched_yet_is_applied_not_dropped()
    {
        // No publication delay: the new key signs (access tokens and the feed's SETs) the moment it exists.
        using var stack = new KeyStack(publicationDelay: TimeSpan.Zero);
        var victim = await stack.SignInAsync();
        var bystander = await stack.SignInAsync();
        await using var flood = await stack.FloodAsync(victim.AccessToken!);

        var rotated = (await stack.Admin.OkAsync(HttpMethod.Post, "/admin/keys/rotate", new { use = "access" })).GetProperty("keys")[0].GetProperty("kid").GetString();
        // Access tokens and the feed's SETs are signed from the same current keys: once a new token carries the rotated kid,
        // the revocation's SET will too.
        await Eventually.TrueAsync(async () => new JsonWebToken((await stack.SignInAsync()).AccessToken!).Kid == rotated, "the rotated key never took over signing");
        var userId = new JsonWebToken(victim.AccessToken!).Subject;
        await stack.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{userId}/revoke-tokens");

        foreach (var api in stack.Apis.Values)
        {
            await UntilAsync(api, victim.AccessToken!, HttpStatusCode.Unauthorized);
            Assert.Equal(HttpStatusCode.OK, await CallAsync(api, bystander.AccessToken!));
        }

        // Nothing was reported back as unverifiable (the server logs each SET a receiver rejects).
        await PollsAsync(stack.Backchannel);
        Assert.DoesNotContain(stack.Server.LogEvents, e => e.Properties.TryGetValue("EventId", out var id) && id is Serilog.Events.StructureValue value
            && value.Properties.Any(p => p.Name == "Id" && p.Value is Serilog.Events.ScalarValue { Value: 2023 }));
        await flood.StopAsync();
    }

    [Fact]
    public async Task Without_the_feed_a_new_key_is_accepted_within_one_refresh_interval_and_a_revoked_one_refused_once_its_replacement_is_seen()
    {
        using var stack = new KeyStack(feed: false);
        var session = await stack.SignInAsync();
        await using var flood = await stack.FloodAsync(session.AccessToken!);

        var rotated = await stack.Admin.OkAsync(HttpMethod.Post, "/admin/keys/rotate", new { use = "access" });
        var newKid = rotated.GetProperty("keys")[0].GetProperty("kid").GetString()!;
        var issued = session;
        await Eventually.TrueAsync(
            async () => new JsonWebToken((issued = (await stack.Tokens.RefreshAsync(issued.RefreshToken!)).ShouldSucceed()).AccessToken!).Kid == newKid,
            "The rotated key never signed",
            TimeSpan.FromSeconds(30));

        // The flood spends each interval's fetch; the genuine kid waits for the next one at most (RefreshInterval, 1 s).
        foreach (var api in stack.Apis.Values)
        {
            Assert.True(await UntilAsync(api, issued.AccessToken!, HttpStatusCode.OK) < TimeSpan.FromSeconds(2));
        }

        // Revoked: refused once the API has fetched the keys for the replacement's first token.
        await stack.Admin.OkAsync(HttpMethod.Post, $"/admin/keys/{newKid}/revoke");
        var replacement = (await stack.Tokens.RefreshAsync(issued.RefreshToken!)).ShouldSucceed();
        foreach (var api in stack.Apis.Values)
        {
            await UntilAsync(api, replacement.AccessToken!, HttpStatusCode.OK, TimeSpan.FromSeconds(2));
            Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(api, issued.AccessToken!));
        }

        await flood.StopAsync();
    }

    /// <summary>The server with automatic keys on the wall clock, and both sample APIs with or without the feed.</summary>
    private sealed class KeyStack : IDisposable
    {
        public KeyStack(bool feed = true, TimeSpan? publicationDelay = null)
        {
            Server.Set("Keys:Automatic", "true");
            if (publicationDelay is { } delay)
            {
                Server.Set("Keys:PublicationDelay", delay.ToString());
            }

            Backchannel = new Backchannel(Server);
            var settings = feed ? FeedOn : new Dictionary<string, string>();
            Apis = new Dictionary<Sample, SampleApi>
            {
                [Sample.JwtBearer] = SampleApi.Start(Sample.JwtBearer, Backchannel, ResourceServers.Authority, settings: settings),
                [Sample.OpenIddict] = SampleApi.Start(Sample.OpenIddict, Backchannel, ResourceServers.Authority, settings: settings),
            };
            Tokens = new TokenClient(Server.CreateClient());
            Admin = new AdminClient(Server.CreateClient());
        }

        public AuthServerFactory Server { get; } = new() { WallClock = true };

        public Backchannel Backchannel { get; }

        public Dictionary<Sample, SampleApi> Apis { get; }

        public TokenClient Tokens { get; }

        public AdminClient Admin { get; }

        public async Task<TokenResponse> SignInAsync()
        {
            var user = await Server.CreateUserAsync();
            return (await Tokens.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        }

        /// <summary>Forged tokens at both APIs until stopped; returns once they have cost both APIs a fetch, so the allowance is being spent.</summary>
        public async Task<ForgedKidFlood> FloodAsync(string genuine)
        {
            var flood = new ForgedKidFlood(Apis.Values, Backchannel, genuine);
            await flood.SpendingAsync();
            return flood;
        }

        public void Dispose()
        {
            foreach (var api in Apis.Values)
            {
                api.Dispose();
            }

            Server.Dispose();
        }
    }
}

/// <summary>
/// Tokens with a fresh random kid, and one with a kid repeated, sent in rounds every 10 ms to each API (what a scanner or an
/// attacker sends): every one must be refused, and all of them together may cost at most one JWKS fetch per second.
/// </summary>
public sealed class ForgedKidFlood : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<int> _sending;
    private readonly Backchannel _backchannel;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly int _fetchesBefore;

    public ForgedKidFlood(IEnumerable<SampleApi> apis, Backchannel backchannel, string genuine)
    {
        _backchannel = backchannel;
        _fetchesBefore = backchannel.JwksFetches;
        var repeated = Forger.WithRandomKid(genuine);
        _sending = Task.Run(async () =>
        {
            var clients = apis.Select(api => api.CreateClient()).ToList();
            var accepted = 0;
            // A round every 10 ms: a steady scanner's pace, which on two shared cores leaves the APIs room to answer the test.
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            while (!_stop.IsCancellationRequested)
            {
                foreach (var client in clients)
                {
                    accepted += await ApiCalls.StatusAsync(client, Forger.WithRandomKid(genuine)) == HttpStatusCode.Unauthorized ? 0 : 1;
                    accepted += await ApiCalls.StatusAsync(client, repeated) == HttpStatusCode.Unauthorized ? 0 : 1;
                }

                await pace.WaitForNextTickAsync();
            }

            return accepted;
        });
    }

    /// <summary>Until the forged kids have made both APIs fetch the JWKS (at most 5 s).</summary>
    public async Task SpendingAsync()
    {
        await Eventually.TrueAsync(() => _backchannel.JwksFetches >= _fetchesBefore + 2, "The forged kids caused no JWKS fetch at both APIs", TimeSpan.FromSeconds(5) - _watch.Elapsed);
    }

    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        Assert.Equal(0, await _sending);

        // Two APIs, one unknown-kid fetch per second each, plus the ones the feed's key events and the start asked for (a
        // loaded machine acknowledges SETs late and gets key events again). Unbounded would be a fetch per forged request:
        // a hundred a second per API at this pace, far beyond the allowance.
        var fetches = _backchannel.JwksFetches - _fetchesBefore;
        Assert.True(fetches <= (2 * _watch.Elapsed.TotalSeconds) + 20, $"{fetches} JWKS fetches in {_watch.Elapsed.TotalSeconds:0} s of forged kids");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _sending;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or ObjectDisposedException)
        {
            // The test already failed; the servers are going away.
        }

        _stop.Dispose();
    }
}
