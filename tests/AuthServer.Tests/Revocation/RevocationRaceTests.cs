using System.Collections.Concurrent;
using System.Net;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests;

/// <summary>Revocation under races. Runs on SQLite here and on SQL Server in AuthServer.SqlServer.Tests.</summary>
public sealed class RevocationRaceTests(AuthServerFactory server) : RevocationRaceBehaviour(server), IClassFixture<AuthServerFactory>;

/// <summary>
/// Attacks sent the way attackers send them: in parallel loops, bounded in count and time, racing the revocation that
/// should stop them. Each trial ends by presenting every refresh token the attacker still holds: none may work.
/// </summary>
public abstract class RevocationRaceBehaviour(AuthServerFactory server)
{
    private static readonly TimeSpan PastLeeway = TimeSpan.FromSeconds(31);

    /// <summary>
    /// Attempts each attacker's loop still makes after the revocation was answered (they must fail too). Requests in flight at
    /// that moment land whatever this is, because every loop is awaited; counting attempts instead of waiting out a time keeps
    /// the trial the same on a fast machine and a loaded one.
    /// </summary>
    private const int AttemptsAfterEnd = 3;

    private readonly AdminClient _admin = new(server.CreateClient());

    [Fact]
    public async Task A_thief_refreshing_in_a_loop_keeps_no_chain_once_the_owners_replay_is_answered()
    {
        var tokens = server.CreateTokenClient();
        var user = await server.CreateUserAsync();
        var survivors = new List<int>();
        for (var trial = 0; trial < 50; trial++)
        {
            // The owner's client holds `older`; the thief stole `stolen` (the token it was rotated into) and keeps rotating it.
            var older = (await tokens.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed().RefreshToken!;
            var stolen = (await tokens.RefreshAsync(older)).ShouldSucceed().RefreshToken!;
            server.Clock.Advance(PastLeeway);

            var end = new RevocationMoment();
            var rotated = 0;
            var latest = stolen;
            var thief = Task.Run(async () =>
            {
                for (var goOn = end.LoopCondition(); goOn();)
                {
                    var answer = await tokens.RefreshAsync(latest);
                    Assert.True(answer.Status != HttpStatusCode.InternalServerError, ServerErrors());
                    if (answer.Status != HttpStatusCode.OK)
                    {
                        return;
                    }

                    latest = answer.RefreshToken!;
                    Interlocked.Increment(ref rotated);
                }
            }, TestContext.Current.CancellationToken);

            await WaitUntilAsync(() => Volatile.Read(ref rotated) >= 1 + (trial % 3) || thief.IsCompleted);
            (await tokens.RefreshAsync(older)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
            await end.AnsweredAsync(thief);

            if ((await tokens.RefreshAsync(latest)).Status == HttpStatusCode.OK)
            {
                survivors.Add(trial);
            }
        }

        Assert.True(survivors.Count == 0, $"The thief kept a working chain in {survivors.Count} of 50 trials: {string.Join(", ", survivors)}.");
    }

    public static TheoryData<string> SessionEndings => ["revoke-session", "revoke-user", "logout"];

    [Theory]
    [MemberData(nameof(SessionEndings))]
    public async Task A_stolen_cookie_looping_authorize_keeps_no_chain_once_its_session_ends(string ending)
    {
        server.SkipIfUnavailable();
        var user = await server.CreateUserAsync();
        var survivors = new List<string>();
        var issuedAfter = 0;
        for (var trial = 0; trial < 20; trial++)
        {
            using var browser = new BrowserClient(server);
            var first = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
            var sessionId = new JsonWebToken(first.Get("id_token")).GetClaim("sid").Value;

            // Three loops on the stolen cookie, each turning codes into refresh tokens as fast as the server answers.
            var held = new ConcurrentBag<string>([first.RefreshToken!]);
            var end = new RevocationMoment();
            var codes = 0;
            var loops = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                for (var goOn = end.LoopCondition(); goOn();)
                {
                    var pkce = Pkce.Create();
                    using var answer = await browser.Http.GetAsync(BrowserClient.AuthorizeUrl(pkce, extra: new Dictionary<string, string> { ["prompt"] = "none" }));
                    Assert.True((int)answer.StatusCode < 500, $"authorize answered {(int)answer.StatusCode}: {ServerErrors()}");
                    if (answer.Headers.Location is not { } location || !BrowserClient.QueryOf(new Uri(browser.Http.BaseAddress!, location)).TryGetValue("code", out var code))
                    {
                        continue;
                    }

                    Interlocked.Increment(ref codes);
                    var redeemed = await browser.RedeemAsync(code, pkce.Verifier);
                    Assert.True(redeemed.Status != HttpStatusCode.InternalServerError, ServerErrors());
                    if (redeemed.RefreshToken is { } refresh)
                    {
                        held.Add(refresh);
                    }
                }
            })).ToArray();

            await WaitUntilAsync(() => Volatile.Read(ref codes) >= 1 + (trial % 4) || loops.Any(l => l.IsFaulted));
            await EndAsync(ending, user.Id, sessionId, browser);
            var heldAtEnd = held.Count;
            await end.AnsweredAsync(loops);
            issuedAfter += held.Count - heldAtEnd;

            foreach (var refresh in held)
            {
                if ((await browser.Tokens.RefreshAsync(refresh)).Status == HttpStatusCode.OK)
                {
                    survivors.Add($"trial {trial}");
                }
            }
        }

        Assert.True(survivors.Count == 0,
            $"After {ending}, {survivors.Count} refresh chains survived ({string.Join(", ", survivors)}); {issuedAfter} were issued while the end was under way.");
    }

    private async Task EndAsync(string ending, string userId, string sessionId, BrowserClient browser)
    {
        switch (ending)
        {
            case "revoke-session":
                await _admin.OkAsync(HttpMethod.Delete, $"/admin/sessions/{sessionId}");
                break;
            case "revoke-user":
                await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{userId}/revoke-tokens");
                break;
            case "logout":
                // The legitimate user's own browser signs out; the thief's copy of the cookie goes on looping (a separate container).
                using (var owner = new BrowserClient(server, Copy(browser.Cookies)))
                {
                    using var signedOut = await owner.SubmitFormAsync(Endpoints.EndSession);
                    Assert.True((int)signedOut.StatusCode < 400, $"logout answered {(int)signedOut.StatusCode}");
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(ending), ending, "No such way to end a session.");
        }
    }

    /// <summary>What the server logged as errors: the cause of a 500, in the failure message.</summary>
    private string ServerErrors() => string.Join("\n", server.LogEvents
        .Where(e => e.Level >= Serilog.Events.LogEventLevel.Error).Select(e => $"{e.RenderMessage()} {e.Exception}").Take(3));

    private static CookieContainer Copy(CookieContainer cookies)
    {
        var copy = new CookieContainer();
        copy.Add(cookies.GetAllCookies());
        return copy;
    }

    private static Task WaitUntilAsync(Func<bool> condition) =>
        Eventually.TrueAsync(condition, "The attacker's loop never got going before the session ended");

    /// <summary>When the revocation was answered, as the attacker's loops see it.</summary>
    private sealed class RevocationMoment
    {
        private volatile bool _answered;

        /// <summary>One loop's condition: true until the revocation is answered, then for <see cref="AttemptsAfterEnd"/> more attempts.</summary>
        public Func<bool> LoopCondition()
        {
            var after = 0;
            return () => !_answered || after++ < AttemptsAfterEnd;
        }

        /// <summary>Marks the revocation answered and waits for every loop to make its last attempts (and for those in flight to land).</summary>
        public Task AnsweredAsync(params Task[] loops)
        {
            _answered = true;
            return Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
