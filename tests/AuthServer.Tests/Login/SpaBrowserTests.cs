using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.Playwright;

namespace AuthServer.Tests;

/// <summary>
/// The sample SPA in real headless Chromium against the built server as a real process: sign in through the
/// login page with DPoP, see the claims, call the sample API (a real process too), refresh, find the tokens useless
/// when copied out of the page (at the token endpoint, the API and userinfo),
/// sign out, and find the session's refresh token dead.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class SpaBrowserTests
{
    [Fact]
    public async Task Alice_signs_in_through_the_sample_spa_refreshes_and_signs_out_and_her_refresh_token_dies()
    {
        SampleSpa.SkipUnlessRunnable();

        // The sample API, built by the solution's build beside this test assembly (same configuration).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var apiDll = Path.GetFullPath(Path.Combine(ServerProcess.ContentRoot, "..", "Samples", "ResourceApi.JwtBearer", "bin", configuration, "net10.0", "ResourceApi.JwtBearer.dll"));
        Assert.SkipUnless(File.Exists(apiDll), $"The sample API is not built ({apiDll}): `dotnet build` the solution.");

        var folder = Directory.CreateTempSubdirectory("authserver-e2e-").FullName;
        var serverPort = RunningProcess.FreePort();
        var spaPort = RunningProcess.FreePort();
        var apiPort = RunningProcess.FreePort();
        var authority = $"http://localhost:{serverPort}/";
        var spa = $"http://localhost:{spaPort}";
        try
        {
            await using var server = await RunningProcess.StartServerAsync(new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{serverPort}",
                ["Tokens__Issuer"] = authority,
                ["Database__ConnectionString"] = $"Data Source={Path.Combine(folder, "auth.db")}",
                ["Keys__DevelopmentKeyFolder"] = Path.Combine(folder, "keys"),
                ["Catalog__Clients__spa__RedirectUris__0"] = $"{spa}/callback",
                ["Catalog__Clients__spa__PostLogoutRedirectUris__0"] = $"{spa}/",
            }, new Uri($"http://127.0.0.1:{serverPort}/health/ready"));

            var apiStart = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(apiDll)! };
            apiStart.ArgumentList.Add(apiDll);
            await using var api = await RunningProcess.StartAsync(apiStart, new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{apiPort}",
                ["AuthServer__Authority"] = authority,
                ["AuthServer__RevocationFeed__Enabled"] = "false",
                ["Api__BrowserOrigins__0"] = spa,
            }, new Uri($"http://127.0.0.1:{apiPort}/open"));

            await using var spaServer = await SampleSpa.StartAsync(spaPort, authority, $"http://localhost:{apiPort}/api/me");

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await HeadlessChromium.LaunchAsync(playwright);
            var page = await browser.NewPageAsync();
            var requested = new System.Collections.Concurrent.ConcurrentQueue<string>();
            page.Request += (_, request) => requested.Enqueue(request.Url);

            await HeadlessChromium.SignInAsAliceAsync(page, spa, authority);
            var status = page.Locator("#status");

            // The page calls the API with its bound token and a proof of its key.
            await page.ClickAsync("#call-api");
            await Assertions.Expect(page.Locator("#api")).ToContainTextAsync("200");

            var userKey = $"oidc.user:{authority}:spa";
            var first = await RefreshTokenAsync(page, userKey);
            await page.ClickAsync("#refresh");
            await Assertions.Expect(status).ToContainTextAsync("Tokens refreshed");
            var second = await RefreshTokenAsync(page, userKey);
            Assert.NotEqual(first, second);
            Assert.Null(await page.EvaluateAsync<string?>("() => Object.keys(localStorage).find(k => k.startsWith('oidc.'))"));

            // DPoP: what the page holds is bound to its non-extractable key. Copied out, the refresh token is refused at the
            // token endpoint and the access token as a bearer token; the page itself goes on refreshing.
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{serverPort}/") };
            var tokens = new TokenClient(http);
            var stored = JsonDocument.Parse((await page.EvaluateAsync<string?>("key => sessionStorage.getItem(key)", userKey))!).RootElement;
            Assert.Equal("DPoP", stored.GetProperty("token_type").GetString());
            (await tokens.RefreshAsync(second)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
            var copied = stored.GetProperty("access_token").GetString();
            foreach (var (url, scheme) in new[] { ($"http://127.0.0.1:{apiPort}/api/me", "Bearer"), ($"http://127.0.0.1:{apiPort}/api/me", "DPoP"), ($"http://127.0.0.1:{serverPort}/connect/userinfo", "Bearer") })
            {
                using var call = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Authorization = new(scheme, copied) } };
                using var refused = await http.SendAsync(call, TestContext.Current.CancellationToken);
                Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{scheme} {url}: {(int)refused.StatusCode}");
            }

            await page.ClickAsync("#refresh");
            await page.WaitForFunctionAsync(
                "([key, old]) => JSON.parse(sessionStorage.getItem(key) ?? '{}').refresh_token !== old", new[] { userKey, second });
            await Assertions.Expect(status).ToContainTextAsync("Tokens refreshed");
            var third = await RefreshTokenAsync(page, userKey);

            await page.ClickAsync("#logout");
            await Assertions.Expect(page).ToHaveURLAsync(HeadlessChromium.At($"{spa}/"));
            await Assertions.Expect(status).ToHaveTextAsync("Not signed in");

            (await tokens.RefreshAsync(third)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");

            // The logout carried the id token in a POST body: no URL the browser requested (and a proxy logged) holds it.
            Assert.Contains(requested, url => url.Contains("/connect/logout", StringComparison.Ordinal));
            Assert.DoesNotContain(requested, url => url.Contains("id_token", StringComparison.Ordinal));
        }
        finally
        {
            SqliteFolder.DeleteQuietly(folder);
        }
    }

    private static async Task<string> RefreshTokenAsync(IPage page, string key)
    {
        var json = await page.EvaluateAsync<string?>("key => sessionStorage.getItem(key)", key);
        Assert.NotNull(json);
        return JsonDocument.Parse(json).RootElement.GetProperty("refresh_token").GetString()!;
    }
}

/// <summary>The browser test runs alone, after the parallel classes: it starts three processes and needs the CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Browser";
}
