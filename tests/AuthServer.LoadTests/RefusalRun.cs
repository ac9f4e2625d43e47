using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace AuthServer.LoadTests;

/// <summary>One refusal path: its answers (status and body, as text) and their latencies.</summary>
public sealed record RefusalPath(string Name, string What, IReadOnlyList<string> Answers, double[] LatenciesMs);

public sealed record RefusalResult(IReadOnlyList<RefusalPath> Paths, int Rounds, int WarmupRounds);

/// <summary>
/// Whether a refusal's time tells its reason (docs/security.md, "How failed passwords are handled"): one user who gets
/// a wrong password, one an operator locked (asked with the right password, since a wrong one is the wrong-password
/// path), one account backing off after failures from many sources, and a name nobody has. Interleaved rounds in a
/// shuffled order, one request at a time over one connection, so every path sees the same server and the same machine.
/// Not-allowed (unconfirmed email) cannot be set up through the admin API; the hash-count test covers it.
/// </summary>
public static class RefusalRun
{
    private const int WarmupRounds = 5;

    public static async Task<RefusalResult> RunAsync(LoadSettings settings, TextWriter log)
    {
        // Every path but the backing-off one must stay under the account's free failures for the whole run.
        if (settings.Rounds + WarmupRounds >= settings.AccountFreeFailures)
        {
            throw new ArgumentException(
                $"--rounds {settings.Rounds} plus {WarmupRounds} warm-up rounds must stay under --account-free-failures {settings.AccountFreeFailures}, " +
                "or the wrong-password and locked users would back off too; start the server with a higher Throttling__FreeFailuresPerAccount.");
        }

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = settings.Server, Timeout = TimeSpan.FromSeconds(30) };
        var admin = new AuthenticationHeaderValue("Bearer", await AdminTokenAsync(http, settings));

        var run = RandomNumberGenerator.GetHexString(8, lowercase: true);
        const string Right = "Refusal-Right-Pass-1";
        const string Wrong = "Refusal-Wrong-Pass-1";
        var wrong = await CreateUserAsync(http, admin, $"refusal-wrong-{run}", Right);
        var locked = await CreateUserAsync(http, admin, $"refusal-locked-{run}", Right);
        var backingOff = await CreateUserAsync(http, admin, $"refusal-backoff-{run}", Right);
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/admin/users/{locked}/lock", UriKind.Relative)) { Headers = { Authorization = admin } })
        using (var response = await http.SendAsync(request))
        {
            await EnsureAsync(response, "lock");
        }

        // Past the account's free failures from this one source; the pair's own limit is set high, so it stays a 400.
        log.WriteLine($"refusals: {settings.AccountFreeFailures + 3} failures to put {backingOff} into back-off");
        for (var i = 0; i < settings.AccountFreeFailures + 3; i++)
        {
            await SignInAsync(http, settings, backingOff, Wrong);
        }

        (string Name, string What, string User, string Password)[] paths =
        [
            ("wrong password", "existing user, wrong password", wrong, Wrong),
            ("operator-locked", "locked by the admin API, right password", locked, Right),
            ("account backing off", $"{settings.AccountFreeFailures + 3}+ failures, wrong password", backingOff, Wrong),
            ("unknown user", "a name nobody has", $"refusal-nobody-{run}", Wrong),
        ];
        var answers = paths.Select(_ => new List<string>()).ToArray();
        var latencies = paths.Select(_ => new List<double>()).ToArray();
        var order = Enumerable.Range(0, paths.Length).ToArray();
        for (var round = 0; round < WarmupRounds + settings.Rounds; round++)
        {
            RandomNumberGenerator.Shuffle(order.AsSpan());
            foreach (var p in order)
            {
                var (answer, ms) = await SignInAsync(http, settings, paths[p].User, paths[p].Password);
                if (round >= WarmupRounds)
                {
                    answers[p].Add(answer);
                    latencies[p].Add(ms);
                }
            }
        }

        return new RefusalResult(
            [.. paths.Select((p, i) => new RefusalPath(p.Name, p.What, answers[i], [.. latencies[i].Order()]))], settings.Rounds, WarmupRounds);
    }

    private static async Task<(string Answer, double Ms)> SignInAsync(HttpClient http, LoadSettings settings, string user, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/connect/token", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = settings.Client, ["username"] = user, ["password"] = password, ["scope"] = settings.Scope,
            }),
        };
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return ($"{(int)response.StatusCode} {body}", ms);
    }

    private static async Task<string> AdminTokenAsync(HttpClient http, LoadSettings settings)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = settings.ConfidentialClient, ["client_secret"] = settings.Secret, ["scope"] = "ops",
        });
        using var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), content);
        await EnsureAsync(response, "admin token");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task<string> CreateUserAsync(HttpClient http, AuthenticationHeaderValue admin, string userName, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/admin/users", UriKind.Relative))
        {
            Headers = { Authorization = admin },
            Content = JsonContent.Create(new { userName, email = $"{userName}@example.test", password }),
        };
        using var response = await http.SendAsync(request);
        await EnsureAsync(response, $"create {userName}");
        return userName;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string step)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Setup step '{step}' failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
