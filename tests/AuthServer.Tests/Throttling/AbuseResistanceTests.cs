using System.Net;
using AuthServer.Tests.Infrastructure;
using AuthServer.Throttling;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Tests;

/// <summary>
/// The password-guessing attacks of docs/security.md, played from outside: guessing from one source, spraying many
/// names, a distributed attack on one account, and the answers and work of every refusal. Sources are set per request
/// (the test host has no TCP peer); 10.0.0.5 is the configured proxy, whose X-Forwarded-For is believed.
/// </summary>
public sealed class AbuseResistanceTests(AbuseResistanceTests.Server server, ITestOutputHelper output) : IClassFixture<AbuseResistanceTests.Server>
{
    private const string Proxy = "10.0.0.5";
    private const string WrongPassword = "Wrong-Guess-0000";

    [Fact]
    public async Task A_thousand_wrong_passwords_from_one_source_neither_end_the_users_session_nor_keep_them_out()
    {
        var user = await server.CreateUserAsync();
        var session = (await SignInAsync(user.UserName!, TestUsers.Password, "198.51.100.10")).ShouldSucceed();

        var answers = new List<TokenResponse>();
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            answers.Add(await SignInAsync(user.UserName!, WrongPassword, "203.0.113.66"));
        }

        Assert.DoesNotContain(answers, a => a.Status == HttpStatusCode.OK || (int)a.Status >= 500);
        var throttled = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(throttled.Count >= 950, $"Only {throttled.Count} of 1000 guesses were throttled.");
        Assert.All(throttled, a => Assert.Equal("temporarily_unavailable", a.Error));

        // What the attacker did ended nothing: the existing session refreshes, the account is not locked,
        // and the user signs in from elsewhere (through the proxy) with the right password.
        (await TokenClientFrom("198.51.100.10").RefreshAsync(session.RefreshToken!)).ShouldSucceed();
        (await SignInAsync(user.UserName!, TestUsers.Password, Proxy, forwardedFor: "198.51.100.77")).ShouldSucceed();
        await server.WithUsersAsync(async users => Assert.False(await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!)));
        Assert.Equal(0, await server.WithDbAsync(db => db.Set<OpenIddictEntityFrameworkCoreToken>()
            .CountAsync(t => t.Subject == user.Id && t.Status == "revoked")));
    }

    [Fact]
    public async Task The_throttled_answer_carries_retry_after_and_the_back_off_grows_then_ends()
    {
        var user = await server.CreateUserAsync();
        const string source = "203.0.113.20";
        for (var attempt = 0; attempt < Server.FreeFailuresPerSource; attempt++)
        {
            (await SignInAsync(user.UserName!, WrongPassword, source)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        }

        var (first, firstWait) = await ThrottledAsync(user.UserName!, TestUsers.Password, source);
        Assert.Equal(1, firstWait);
        server.Clock.Advance(TimeSpan.FromSeconds(first));
        (await SignInAsync(user.UserName!, WrongPassword, source)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        var (_, secondWait) = await ThrottledAsync(user.UserName!, TestUsers.Password, source);
        Assert.Equal(2, secondWait);

        // Not a lock: once the wait is over the right password works, and it clears the count.
        server.Clock.Advance(TimeSpan.FromSeconds(secondWait));
        (await SignInAsync(user.UserName!, TestUsers.Password, source)).ShouldSucceed();
        (await SignInAsync(user.UserName!, WrongPassword, source)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await SignInAsync(user.UserName!, TestUsers.Password, source)).ShouldSucceed();
    }

    [Fact]
    public async Task Spraying_two_hundred_user_names_from_one_source_is_throttled_by_source()
    {
        const string source = "203.0.113.30";
        var hashesBefore = server.Hasher.Verifications;
        var answers = new List<TokenResponse>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var name = 0; name < 200; name++)
        {
            answers.Add(await SignInAsync($"spray-{name}", "Summer2026!", source));
        }

        // The source's bucket (30 a minute) refills one attempt every 2 s of real time while the spray runs.
        var allowed = 30 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds / 2) + 1;
        var evaluated = answers.Count(a => a.Status != HttpStatusCode.TooManyRequests);
        Assert.True(evaluated <= allowed, $"{evaluated} of 200 sprayed names were evaluated; the limit allows {allowed} in {clock.Elapsed.TotalSeconds:0} s.");
        Assert.True(server.Hasher.Verifications - hashesBefore <= evaluated, "Throttled attempts must not cost a password hash.");

        // Another source is not affected by this one's limit.
        (await SignInAsync("spray-0", "Summer2026!", "198.51.100.31")).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task A_distributed_attack_on_one_account_is_slowed_and_its_answers_do_not_reveal_that_the_account_exists()
    {
        var user = await server.CreateUserAsync();
        (await SignInAsync(user.UserName!, TestUsers.Password, "198.51.100.40")).ShouldSucceed();
        var missing = "nobody-" + Guid.NewGuid().ToString("N")[..8];

        var onAccount = new List<TokenResponse>();
        var onMissing = new List<TokenResponse>();
        for (var source = 1; source <= Server.FreeFailuresPerAccount + 5; source++)
        {
            onAccount.Add(await SignInAsync(user.UserName!, WrongPassword, $"192.0.2.{source}"));
            onMissing.Add(await SignInAsync(missing, WrongPassword, $"192.0.2.{source}"));
        }

        // Every answer, for the account and for a name that does not exist, is the same ordinary refusal.
        var distinct = onAccount.Concat(onMissing).Select(a => $"{(int)a.Status} {a.Body}").Distinct().ToList();
        Assert.Single(distinct);
        Assert.StartsWith("400 ", distinct[0], StringComparison.Ordinal);

        // The account is now backing off: even the right password from a new source is refused, the same way...
        var slowed = await SignInAsync(user.UserName!, TestUsers.Password, "192.0.2.200");
        Assert.Equal(distinct[0], $"{(int)slowed.Status} {slowed.Body}");

        // ...but not from the source the user signed in from before, and not for longer than the ceiling.
        (await SignInAsync(user.UserName!, TestUsers.Password, "198.51.100.40")).ShouldSucceed();
        server.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        (await SignInAsync(user.UserName!, TestUsers.Password, "192.0.2.201")).ShouldSucceed();
    }

    [Fact]
    public async Task Every_refusal_costs_exactly_one_password_hash_and_answers_the_same()
    {
        var wrong = await server.CreateUserAsync();
        var locked = await server.CreateUserAsync();
        var throttledAccount = await server.CreateUserAsync();
        var unconfirmed = await CreateUnconfirmedUserAsync();
        await server.WithUsersAsync(async users => await users.SetLockoutEndDateAsync((await users.FindByIdAsync(locked.Id))!, DateTimeOffset.MaxValue));
        for (var source = 1; source <= Server.FreeFailuresPerAccount + 1; source++)
        {
            await SignInAsync(throttledAccount.UserName!, WrongPassword, $"192.0.2.{100 + source}");
        }

        var paths = new (string Name, string Login, string Password)[]
        {
            ("unknown user", "nobody-" + Guid.NewGuid().ToString("N")[..8], TestUsers.Password),
            ("wrong password", wrong.UserName!, WrongPassword),
            ("locked by an operator", locked.UserName!, TestUsers.Password),
            ("account backing off", throttledAccount.UserName!, TestUsers.Password),
            ("not allowed (email unconfirmed)", unconfirmed, TestUsers.Password),
        };
        var answers = new List<string>();
        foreach (var (name, login, password) in paths)
        {
            var before = server.Hasher.Verifications;
            var answer = await SignInAsync(login, password, "198.51.100.50");
            Assert.True(server.Hasher.Verifications - before == 1, $"{name}: {server.Hasher.Verifications - before} hashes");
            answers.Add($"{(int)answer.Status} {answer.Body}");
        }

        Assert.Single(answers.Distinct());
        Assert.StartsWith("400 ", answers[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guessing_a_client_secret_is_throttled_for_the_guessing_source_only()
    {
        const string attacker = "203.0.113.90";
        var answers = new List<TokenResponse>();
        for (var attempt = 0; attempt < 15; attempt++)
        {
            answers.Add(await TokenClientFrom(attacker).ClientCredentialsAsync(secret: $"guess-{attempt}"));
        }

        Assert.All(answers.Take(10), a => Assert.Equal("invalid_client", a.Error));
        var refused = answers.Skip(10).ToList();
        Assert.All(refused, a => a.ShouldFail(HttpStatusCode.TooManyRequests, "temporarily_unavailable"));
        (await TokenClientFrom(attacker).ClientCredentialsAsync()).ShouldFail(HttpStatusCode.TooManyRequests, "temporarily_unavailable");

        // The real client, elsewhere, keeps working: a stranger cannot shut a client out.
        (await TokenClientFrom("198.51.100.91").ClientCredentialsAsync()).ShouldSucceed();
    }

    [Fact]
    public async Task Failed_sign_ins_and_throttling_are_audited_and_counted()
    {
        var user = await server.CreateUserAsync();
        for (var attempt = 0; attempt < 7; attempt++)
        {
            await SignInAsync(user.UserName!, WrongPassword, "203.0.113.70");
        }

        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2002 && e.RenderMessage().Contains(user.Id, StringComparison.Ordinal));
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2012 && e.RenderMessage().Contains("203.0.113.70", StringComparison.Ordinal));
        Assert.DoesNotContain(server.LogEvents, e => e.RenderMessage().Contains(WrongPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Counters_of_made_up_names_are_pruned_an_hour_after_their_last_failure_and_known_sources_are_kept()
    {
        var user = await server.CreateUserAsync();
        var madeUp = "made-up-" + Guid.NewGuid().ToString("N")[..8];
        (await SignInAsync(user.UserName!, TestUsers.Password, "198.51.100.60")).ShouldSucceed();
        (await SignInAsync(madeUp, WrongPassword, "203.0.113.60")).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        string[] madeUpKeys = [SignInThrottle.PairKey(null, madeUp.ToUpperInvariant(), "203.0.113.60"), SignInThrottle.AccountKey(null, madeUp.ToUpperInvariant())];
        var knownSource = SignInThrottle.PairKey(user.Id, "", "198.51.100.60");
        Assert.Equal(2, await server.WithDbAsync(db => db.SignInThrottles.CountAsync(t => madeUpKeys.Contains(t.Key))));

        server.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await new AdminClient(server.CreateClient()).OkAsync(HttpMethod.Post, "/admin/prune");

        // The made-up name's pair and account rows are gone; the user's known source stays (30 days).
        Assert.Equal(0, await server.WithDbAsync(db => db.SignInThrottles.CountAsync(t => madeUpKeys.Contains(t.Key))));
        Assert.True(await server.WithDbAsync(db => db.SignInThrottles.AnyAsync(t => t.Key == knownSource)));
    }

    [Fact]
    public async Task Thirty_wrong_passwords_sent_at_once_for_one_account_from_one_source_get_at_most_the_free_failures_checked()
    {
        var user = await server.CreateUserAsync();
        var before = server.Hasher.Verifications;
        var errorsBefore = server.LogEvents.Count(e => e.Level >= Serilog.Events.LogEventLevel.Error);

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            using var response = await SendAsync(user.UserName!, WrongPassword, Proxy, forwardedFor: "203.0.113.121");
            return (Answer: await TokenClient.ReadAsync(response), response.Headers.RetryAfter);
        }));

        var checks = server.Hasher.Verifications - before;
        output.WriteLine($"30 guesses at once: {checks} password checks, {answers.Count(a => a.Answer.Status == HttpStatusCode.TooManyRequests)} × 429");
        Assert.True(checks <= Server.FreeFailuresPerSource, $"{checks} password checks for 30 guesses sent at once.");
        Assert.All(answers, a => Assert.True(a.Answer.Status is HttpStatusCode.BadRequest or HttpStatusCode.TooManyRequests, $"{(int)a.Answer.Status} {a.Answer.Body}"));
        Assert.All(answers.Where(a => a.Answer.Status == HttpStatusCode.TooManyRequests), a => Assert.NotNull(a.RetryAfter?.Delta));
        Assert.Equal(checks, answers.Count(a => a.Answer.Status == HttpStatusCode.BadRequest));

        // The requests racing to create the same counters lose quietly: a lost race is an answer, not an error in the log.
        Assert.Equal(errorsBefore, server.LogEvents.Count(e => e.Level >= Serilog.Events.LogEventLevel.Error));
    }

    [Fact]
    public async Task Attempts_refused_by_the_account_back_off_are_not_failures_and_do_not_renew_it()
    {
        var user = await server.CreateUserAsync();
        await BackOffAccountAsync(user.UserName!, "192.0.2.");

        // The user, from a network they never used, is refused while the account backs off, six times...
        const string victim = "198.51.100.130";
        server.Clock.Advance(TimeSpan.FromSeconds(30));
        for (var attempt = 0; attempt < 6; attempt++)
        {
            (await SignInAsync(user.UserName!, TestUsers.Password, victim)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        }

        // ...and those refusals neither renewed the account's back-off nor blocked their own (account, source) pair.
        server.Clock.Advance(TimeSpan.FromSeconds(31));
        (await SignInAsync(user.UserName!, TestUsers.Password, victim)).ShouldSucceed();
    }

    [Fact]
    public async Task A_trickle_of_one_failure_a_minute_from_fresh_addresses_leaves_the_user_a_way_in_from_a_new_network()
    {
        var user = await server.CreateUserAsync();
        await BackOffAccountAsync(user.UserName!, "192.0.3.");

        var signedIn = new List<bool>();
        for (var minute = 0; minute < 10; minute++)
        {
            (await SignInAsync(user.UserName!, WrongPassword, $"192.0.4.{minute + 1}")).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
            server.Clock.Advance(TimeSpan.FromSeconds(30));
            var answer = await SignInAsync(user.UserName!, TestUsers.Password, $"198.51.100.{140 + minute}");
            Assert.True(answer.Status is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)answer.Status} {answer.Body}");
            signedIn.Add(answer.Status == HttpStatusCode.OK);
            server.Clock.Advance(TimeSpan.FromSeconds(30));
        }

        output.WriteLine($"Signed in from a new network at minutes: {string.Join(", ", signedIn)}");

        // One failure a minute cannot hold the account shut: the user gets in within every five minutes of it.
        Assert.True(signedIn.Take(5).Contains(true) && signedIn.Skip(5).Contains(true), $"Signed in at minutes: {string.Join(", ", signedIn)}");
    }

    [Fact]
    public async Task A_browser_that_signed_in_before_gets_in_from_any_network_while_a_trickle_keeps_the_account_backing_off()
    {
        var user = await server.CreateUserAsync();
        using var known = new BrowserClient(server);
        Assert.Equal(HttpStatusCode.Redirect, await PostLoginFromAsync(known, user.UserName!, "198.51.100.150"));
        await BackOffAccountAsync(user.UserName!, "192.0.5.");

        // The account is backing off: a browser known only for another account, or with a made-up cookie, is refused from
        // a new network; the user's own browser is not.
        using (var stranger = new BrowserClient(server))
        {
            var other = await server.CreateUserAsync();
            Assert.Equal(HttpStatusCode.Redirect, await PostLoginFromAsync(stranger, other.UserName!, "198.51.100.151"));
            Assert.Equal(HttpStatusCode.OK, await PostLoginFromAsync(stranger, user.UserName!, "198.51.100.152"));
        }

        using (var forger = new BrowserClient(server))
        {
            forger.Cookies.Add(new Uri("http://localhost/"), new Cookie("authserver.device", "CfDJ8" + new string('A', 200)));
            Assert.Equal(HttpStatusCode.OK, await PostLoginFromAsync(forger, user.UserName!, "198.51.100.153"));
        }

        for (var minute = 0; minute < 10; minute++)
        {
            (await SignInAsync(user.UserName!, WrongPassword, $"192.0.6.{minute + 1}")).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
            server.Clock.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.Redirect, await PostLoginFromAsync(known, user.UserName!, $"198.51.100.{160 + minute}"));
            server.Clock.Advance(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Enough failures from fresh addresses, at one instant, to bring the account's back-off to its ceiling.</summary>
    private async Task BackOffAccountAsync(string login, string network)
    {
        for (var source = 1; source <= Server.FreeFailuresPerAccount + 7; source++)
        {
            (await SignInAsync(login, WrongPassword, network + source)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        }
    }

    /// <summary>The login form posted from <paramref name="source"/>: 302 when signed in, 200 with the message when refused.</summary>
    private static async Task<HttpStatusCode> PostLoginFromAsync(BrowserClient browser, string login, string source)
    {
        browser.Http.DefaultRequestHeaders.Remove(AuthServerFactory.PeerHeader);
        browser.Http.DefaultRequestHeaders.Add(AuthServerFactory.PeerHeader, source);
        using var response = await browser.PostLoginAsync("/account/login", login, TestUsers.Password);
        return response.StatusCode;
    }

    private async Task<(int Wait, int RetryAfter)> ThrottledAsync(string login, string password, string source)
    {
        using var response = await SendAsync(login, password, source, forwardedFor: null);
        var answer = await TokenClient.ReadAsync(response);
        answer.ShouldFail(HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        var retryAfter = (int)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        return (retryAfter, retryAfter);
    }

    private async Task<TokenResponse> SignInAsync(string login, string password, string source, string? forwardedFor = null)
    {
        using var response = await SendAsync(login, password, source, forwardedFor);
        return await TokenClient.ReadAsync(response);
    }

    private async Task<HttpResponseMessage> SendAsync(string login, string password, string source, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.Token)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = login, ["password"] = password, ["scope"] = "openid offline_access api",
            }),
        };
        request.Headers.Add(AuthServerFactory.PeerHeader, source);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await server.Http.SendAsync(request);
    }

    private TokenClient TokenClientFrom(string source)
    {
        var http = server.CreateClient();
        http.DefaultRequestHeaders.Add(AuthServerFactory.PeerHeader, source);
        return new TokenClient(http);
    }

    private async Task<string> CreateUnconfirmedUserAsync()
    {
        var name = $"unconfirmed-{Guid.NewGuid():N}"[..20];
        await server.WithUsersAsync(async users =>
            Assert.True((await users.CreateAsync(new IdentityUser { UserName = name, Email = $"{name}@example.test" }, TestUsers.Password)).Succeeded));
        return name;
    }

    /// <summary>Production-like limits, a configured proxy, a counting hasher, and confirmed email required to sign in.</summary>
    public sealed class Server : AuthServerFactory
    {
        public const int FreeFailuresPerAccount = 20;
        public const int FreeFailuresPerSource = 5;

        public Server()
        {
            Set("Throttling:FreeFailuresPerSource", FreeFailuresPerSource.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set("Throttling:SignInsPerSourcePerMinute", "30");
            Set("Throttling:FreeFailuresPerAccount", FreeFailuresPerAccount.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set("ForwardedHeaders:KnownProxies:0", Proxy);
        }

        public CountingPasswordHasher Hasher { get; } = new();

        public HttpClient Http => _http ??= CreateClient();

        private HttpClient? _http;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<IPasswordHasher<IdentityUser>>(Hasher);
                services.Configure<IdentityOptions>(identity => identity.SignIn.RequireConfirmedEmail = true);
            });
        }
    }
}

/// <summary>A flood of sign-ins may use one hashing slot and a short queue; the rest is turned away at once, never queued without end.</summary>
public sealed class HashingLimitTests(HashingLimitTests.Server server) : IClassFixture<HashingLimitTests.Server>
{
    [Fact]
    public async Task Sign_ins_beyond_the_hashing_slots_and_queue_get_429_and_nothing_fails()
    {
        var user = await server.CreateUserAsync();
        var http = server.CreateClient();

        // The first sign-in to reach the hasher holds the only slot until every other one has been answered, so the
        // overlap does not depend on how fast a loaded machine schedules the requests.
        var signIns = Enumerable.Range(1, 8).Select(async source =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.Token)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = user.UserName!, ["password"] = TestUsers.Password,
                }),
            };
            request.Headers.Add(AuthServerFactory.PeerHeader, $"198.51.100.{source}");
            using var response = await http.SendAsync(request);
            return (Answer: await TokenClient.ReadAsync(response), response.Headers.RetryAfter);
        }).ToList();

        var pending = signIns.ToList<Task>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (pending.Count > 1 && !deadline.IsCancellationRequested)
        {
            pending.Remove(await Task.WhenAny(pending).WaitAsync(deadline.Token));
        }

        server.Hasher.Release();
        var answers = await Task.WhenAll(signIns);

        Assert.Equal(1, server.Hasher.Verifications);
        Assert.Single(answers, a => a.Answer.Status == HttpStatusCode.OK);
        var busy = answers.Where(a => a.Answer.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(7, busy.Count);
        Assert.All(busy, a => Assert.NotNull(a.RetryAfter));
    }

    /// <summary>One slot, no idle slot, no queue, and a hasher that holds its slot until the test lets it go.</summary>
    public sealed class Server : AuthServerFactory
    {
        public Server()
        {
            Set("Throttling:ConcurrentPasswordHashes", "1");
            Set("Throttling:IdlePasswordHashes", "0");
            Set("Throttling:QueuedPasswordHashes", "0");
        }

        public HeldPasswordHasher Hasher { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IPasswordHasher<IdentityUser>>(Hasher));
        }
    }

    /// <summary>Verifies passwords only once released (or after 30 s, so a broken test cannot hang the run).</summary>
    public sealed class HeldPasswordHasher : IPasswordHasher<IdentityUser>, IDisposable
    {
        private readonly PasswordHasher<IdentityUser> _inner = new();
        private readonly ManualResetEventSlim _released = new();
        private int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public void Release() => _released.Set();

        public string HashPassword(IdentityUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(IdentityUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            _released.Wait(TimeSpan.FromSeconds(30));
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }

        public void Dispose() => _released.Dispose();
    }
}
