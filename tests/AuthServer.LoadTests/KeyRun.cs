using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AuthServer.LoadTests;

/// <summary>
/// The key-change figures: what a resource API sees, in real time, when the operator rotates or revokes a signing key
/// (the server must run with Keys:Automatic=true). Each of --rounds rounds, on one refresh chain of --user:
/// rotation (POST /admin/keys/rotate for access tokens, then a fresh token every 20 ms): the time to the first token
/// signed by the new key and to the first such token the API accepts, and how many fresh tokens the API refused;
/// retired key revoked: the time from the revoking call to the API's first 401 for a token of that key;
/// active key revoked (the emergency): the same, plus the time to the replacement key's first accepted token.
/// --forged-kids on sends tokens with random kids to the API all along (what spent JwtBearer's one refresh per 5 minutes).
/// </summary>
public static class KeyRun
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(LoadSettings settings, TextWriter log)
    {
        using var http = new HttpClient { BaseAddress = settings.Server, Timeout = Patience };
        using var api = new HttpClient { BaseAddress = settings.Api, Timeout = Patience };
        var chain = new Chain(http, settings);
        await chain.SignInAsync();
        using var stop = new CancellationTokenSource();
        var forged = settings.ForgedKids ? Task.Run(() => ForgeAsync(settings.Api, chain.Access, stop.Token)) : Task.FromResult(0);

        var firstNewKey = new List<double>();
        var firstAccepted = new List<double>();
        var retiredRefused = new List<double>();
        var activeRefused = new List<double>();
        var replacementAccepted = new List<double>();
        var refusedFresh = 0;
        var issuedFresh = 0;
        var notRefused = 0;
        for (var round = 0; round < settings.Rounds; round++)
        {
            var old = await chain.NextAsync();
            await UntilAsync(api, old, HttpStatusCode.OK, "a token of the current key");

            // Rotation: fresh tokens until one of the new key is accepted.
            var watch = Stopwatch.StartNew();
            await AdminAsync(http, settings, "/admin/keys/rotate", new { use = "access" });
            double? signed = null;
            while (true)
            {
                Bounded(watch, "the rotated key's tokens were never accepted");
                var fresh = await chain.NextAsync();
                issuedFresh++;
                if (KidOf(fresh) == KidOf(old))
                {
                    await Task.Delay(20);
                    continue;
                }

                signed ??= watch.Elapsed.TotalMilliseconds;
                if (await RevocationRun.StatusAsync(api, fresh) == HttpStatusCode.OK)
                {
                    break;
                }

                refusedFresh++;
                await Task.Delay(20);
            }

            firstNewKey.Add(signed.Value);
            firstAccepted.Add(watch.Elapsed.TotalMilliseconds);

            // The old key, now retired, revoked: its token must stop working.
            watch.Restart();
            await AdminAsync(http, settings, $"/admin/keys/{KidOf(old)}/revoke", null);
            notRefused += await RefusedAsync(api, old, watch, retiredRefused, settings.RevokeTimeout) ? 0 : 1;

            // The emergency: the active key revoked; its token refused, the replacement's first token accepted.
            var current = await chain.NextAsync();
            await UntilAsync(api, current, HttpStatusCode.OK, "a token of the new key");
            watch.Restart();
            await AdminAsync(http, settings, $"/admin/keys/{KidOf(current)}/revoke", null);
            var replacement = await chain.NextAsync();
            await UntilAsync(api, replacement, HttpStatusCode.OK, "the replacement key's first token");
            replacementAccepted.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            notRefused += await RefusedAsync(api, current, watch, activeRefused, settings.RevokeTimeout) ? 0 : 1;

            // Spread the changes over the feed's poll cycle instead of locking them to it.
            await Task.Delay(Random.Shared.Next(0, 1000));
        }

        await stop.CancelAsync();
        var forgedAccepted = await forged;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"key changes at the API, {settings.Rounds} rounds, forged kids {(settings.ForgedKids ? "on" : "off")}:"));
        Line(log, "rotate → first token of the new key", firstNewKey);
        Line(log, "rotate → first new-key token accepted", firstAccepted);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  fresh tokens refused: {refusedFresh} of {issuedFresh}"));
        Line(log, "retired key revoked → first 401", retiredRefused);
        Line(log, "active key revoked → replacement accepted", replacementAccepted);
        Line(log, "active key revoked → its token's first 401 (after the line above)", activeRefused);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  revoked keys still accepted after {settings.RevokeTimeout.TotalSeconds:0} s: {notRefused} of {2 * settings.Rounds}; forged tokens accepted: {forgedAccepted}"));
    }

    private static void Line(TextWriter log, string what, List<double> times)
    {
        if (times.Count == 0)
        {
            log.WriteLine($"  {what}: none observed");
            return;
        }

        var sorted = times.Order().ToArray();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what}: p50 {RevocationRun.Percentile(sorted, 50):0} ms, p90 {RevocationRun.Percentile(sorted, 90):0} ms, p99 {RevocationRun.Percentile(sorted, 99):0} ms, max {sorted[^1]:0} ms ({sorted.Length})"));
    }

    private static async Task<bool> RefusedAsync(HttpClient api, string token, Stopwatch watch, List<double> times, TimeSpan timeout)
    {
        while (await RevocationRun.StatusAsync(api, token) != HttpStatusCode.Unauthorized)
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(10);
        }

        times.Add(watch.Elapsed.TotalMilliseconds);
        return true;
    }

    private static async Task UntilAsync(HttpClient api, string token, HttpStatusCode expected, string what)
    {
        var watch = Stopwatch.StartNew();
        while (await RevocationRun.StatusAsync(api, token) != expected)
        {
            Bounded(watch, $"the API never answered {(int)expected} to {what}");
            await Task.Delay(10);
        }
    }

    private static void Bounded(Stopwatch watch, string failure)
    {
        if (watch.Elapsed > Patience)
        {
            throw new TimeoutException($"After {Patience.TotalSeconds:0} s {failure}.");
        }
    }

    /// <summary>Tokens with a fresh random kid, signed by a key nobody published, without pause; returns how many were accepted (must be 0).</summary>
    private static async Task<int> ForgeAsync(Uri apiBase, string genuine, CancellationToken stop)
    {
        using var api = new HttpClient { BaseAddress = apiBase, Timeout = Patience };
        using var key = RSA.Create(2048);
        var payload = genuine.Split('.')[1];
        var accepted = 0;
        while (!stop.IsCancellationRequested)
        {
            var header = new JsonObject { ["alg"] = "RS256", ["kid"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)), ["typ"] = "at+jwt" };
            var signed = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()))}.{payload}";
            var signature = key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            accepted += await RevocationRun.StatusAsync(api, $"{signed}.{Base64Url.EncodeToString(signature)}") == HttpStatusCode.Unauthorized ? 0 : 1;
            await Task.Delay(10, CancellationToken.None);
        }

        return accepted;
    }

    private static string KidOf(string token) =>
        JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[0]))!["kid"]!.GetValue<string>();

    private static async Task AdminAsync(HttpClient http, LoadSettings settings, string path, object? body)
    {
        // A token per call: the revoked key may have signed the last one, and the server refuses those too.
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = settings.ConfidentialClient, ["client_secret"] = settings.Secret, ["scope"] = "ops",
        });
        using var issued = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), form);
        issued.EnsureSuccessStatusCode();
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()} (is the server running with Keys__Automatic=true?)");
        }
    }

    /// <summary>One refresh chain: each NextAsync redeems the refresh token and returns a freshly signed access token.</summary>
    private sealed class Chain(HttpClient http, LoadSettings settings)
    {
        private string _refresh = "";

        public string Access { get; private set; } = "";

        public Task SignInAsync() => RedeemAsync(new()
        {
            ["grant_type"] = "password", ["client_id"] = settings.Client, ["scope"] = settings.Scope,
            ["username"] = settings.User, ["password"] = settings.Password,
        });

        public async Task<string> NextAsync()
        {
            await RedeemAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = settings.Client, ["refresh_token"] = _refresh });
            return Access;
        }

        private async Task RedeemAsync(Dictionary<string, string> form)
        {
            using var content = new FormUrlEncodedContent(form);
            using var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Access = body.GetProperty("access_token").GetString()!;
            _refresh = body.GetProperty("refresh_token").GetString()!;
        }
    }
}
