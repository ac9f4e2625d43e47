using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;

namespace AuthServer.Tests;

/// <summary>
/// The operators' console in real headless Chromium against the built server as a process: alice (an operator) signs
/// in, finds bob, ends one of his two refresh chains (the other survives), rotates the access-token key after ticking
/// what it does, and finds both on the events page; bob is refused every page, by URL too; posts without this
/// browser's antiforgery token change nothing; and once alice is locked her console ends at the next request.
/// With AUTHSERVER_WRITE_SCREENSHOTS=1 it also refreshes the pictures of each page in docs/images.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed partial class ConsoleBrowserTests
{
    private static readonly string[] s_pages = ["/console", "/console/users", "/console/users/alice", "/console/clients", "/console/keys", "/console/events"];

    [Fact]
    public async Task An_operator_ends_one_of_bobs_chains_and_rotates_a_key_while_a_user_is_refused_and_a_locked_operator_is_out()
    {
        Assert.SkipUnless(File.Exists(HeadlessChromium.Path), HeadlessChromium.MissingReason);
        var folder = Directory.CreateTempSubdirectory("authserver-console-").FullName;
        var port = RunningProcess.FreePort();
        var server = $"http://localhost:{port}";
        try
        {
            await using var process = await RunningProcess.StartServerAsync(new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Tokens__Issuer"] = server + "/",
                ["Database__ConnectionString"] = $"Data Source={Path.Combine(folder, "auth.db")}",
                ["Keys__Automatic"] = "true",
                ["Console__Enabled"] = "true",
            }, new Uri($"http://127.0.0.1:{port}/health/ready"));

            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(server) };
                var tokens = new TokenClient(http);
                var first = (await tokens.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();
                var second = (await tokens.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();
                var firstChain = new JsonWebToken(first.AccessToken).GetClaim("oi_au_id").Value;

                using var playwright = await Playwright.CreateAsync();
                await using var browser = await HeadlessChromium.LaunchAsync(playwright);

                // Bob is no operator: every page answers 403, whatever the URL.
                await using (var bobs = await browser.NewContextAsync())
                {
                    var page = await SignInAsync(bobs, server, "bob", TestUsers.BobPassword);
                    foreach (var path in s_pages)
                    {
                        var answer = await page.GotoAsync(server + path);
                        Assert.True(answer!.Status == 403, $"{path}: {answer.Status}");
                    }
                }

                await using var alices = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
                var console = await SignInAsync(alices, server, "alice", TestUsers.AlicePassword);
                await Assertions.Expect(console.Locator("#console-operator")).ToHaveTextAsync("alice");
                await HeadlessChromium.ScreenshotForDocsAsync(console, "console-overview.png");

                // Find bob by the start of his name, open him, end one chain.
                await console.ClickAsync("nav >> text=Users");
                await console.FillAsync("#q", "bo");
                await console.ClickAsync("form.search button");
                await console.ClickAsync("#users >> text=bob");
                await Assertions.Expect(console.Locator("#sessions li[data-chain-id]")).ToHaveCountAsync(2);
                await HeadlessChromium.ScreenshotForDocsAsync(console, "console-user.png");
                await console.ClickAsync($"#sessions li[data-chain-id=\"{firstChain}\"] button");
                await Assertions.Expect(console.Locator("#console-notice")).ToContainTextAsync("Session ended");
                await Assertions.Expect(console.Locator("#sessions li[data-chain-id]")).ToHaveCountAsync(1);
                (await tokens.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
                var secondNext = (await tokens.RefreshAsync(second.RefreshToken!)).ShouldSucceed();

                // Rotating a key says what happens, and needs the box ticked.
                await console.ClickAsync("nav >> text=Keys");
                var accessKeys = console.Locator("#keys tr:has(td:text-is('access'))");
                var before = await accessKeys.CountAsync();
                await console.SelectOptionAsync("#rotate-use", "access");
                await console.CheckAsync("#rotate-confirm");
                await HeadlessChromium.ScreenshotForDocsAsync(console, "console-keys.png");
                await console.ClickAsync("#rotate-button");
                await Assertions.Expect(console.Locator("#console-notice")).ToContainTextAsync("new key is published");
                await Assertions.Expect(accessKeys).ToHaveCountAsync(before + 1);
                await Assertions.Expect(console.Locator("#keys tr:has(td:text-is('access')):has(td:text-is('announced'))")).ToHaveCountAsync(1);

                // Both actions on the events page: the ended session in bob's history, the key change on the feed.
                await console.ClickAsync("nav >> text=Events");
                await Assertions.Expect(console.Locator("#account-events")).ToContainTextAsync("session-ended");
                await Assertions.Expect(console.Locator("#account-events")).ToContainTextAsync("bob");
                await Assertions.Expect(console.Locator("#feed-events")).ToContainTextAsync("key-change");
                await HeadlessChromium.ScreenshotForDocsAsync(console, "console-events.png");
                await console.ClickAsync("nav >> text=Clients");
                await HeadlessChromium.ScreenshotForDocsAsync(console, "console-clients.png");

                // Every post without this browser's token (none, or the token of another browser's page) is refused and changes nothing.
                var bobId = await UserIdAsync(folder, "bob");
                var secondChain = new JsonWebToken(second.AccessToken).GetClaim("oi_au_id").Value;
                var kid = await console.GotoAsync(server + "/console/keys") is not null ? await console.Locator("#keys tr[data-kid]").First.GetAttributeAsync("data-kid") : null;
                string[] posts =
                [
                    $"/console/users/{bobId}/lock", $"/console/users/{bobId}/unlock", $"/console/users/{bobId}/reset-password", $"/console/users/{bobId}/revoke",
                    $"/console/sessions/{secondChain}/end", "/console/clients/ops/rotate-secret", "/console/clients/spa/revoke", "/console/keys/rotate",
                    $"/console/keys/{kid}/revoke",
                ];
                foreach (var post in posts)
                {
                    await AssertRefusedWithoutOwnTokenAsync(alices, browser, server, post);
                }

                Assert.False(await IsLockedAsync(folder, "bob"), "bob was locked by a forged post");
                (await tokens.RefreshAsync(secondNext.RefreshToken!)).ShouldSucceed();

                // Alice locked (by another operator): her console ends at its next request.
                await SetLockedAsync(folder, "alice");
                await console.GotoAsync(server + "/console/users");
                await Assertions.Expect(console).ToHaveURLAsync(new Regex($"^{Regex.Escape(server)}/account/login"));
            }
            catch (Exception failure) when (failure is PlaywrightException or Xunit.Sdk.IAssertionException)
            {
                throw process.Explain(failure);
            }
        }
        finally
        {
            SqliteFolder.DeleteQuietly(folder);
        }
    }

    private static async Task<IPage> SignInAsync(IBrowserContext context, string server, string user, string password)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        await page.GotoAsync($"{server}/console");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"^{Regex.Escape(server)}/account/login"));
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("form[action='/account/login'] button[type=submit]");
        return page;
    }

    /// <summary>The post with alice's cookies and no token, then with a token from another browser's page: 400 both.</summary>
    private static async Task AssertRefusedWithoutOwnTokenAsync(IBrowserContext alices, IBrowser browser, string server, string action)
    {
        await using var stranger = await browser.NewContextAsync();
        var strangersPage = await stranger.NewPageAsync();
        await strangersPage.GotoAsync($"{server}/account/login");
        var foreignToken = await strangersPage.GetAttributeAsync("input[name=__RequestVerificationToken]", "value");

        foreach (var token in new[] { null, foreignToken })
        {
            // Fields that would act if the post were accepted.
            var form = new Dictionary<string, string> { ["confirm"] = "yes", ["password"] = "Forged-Pass-123!", ["use"] = "access" };
            if (token is not null)
            {
                form["__RequestVerificationToken"] = token;
            }

            var answer = await alices.APIRequest.PostAsync(server + action, new APIRequestContextOptions { Form = Form(alices, form), MaxRedirects = 0 });
            Assert.True(answer.Status == 400, $"{action} with {(token is null ? "no token" : "a foreign token")}: {answer.Status}");
        }
    }

    private static IFormData Form(IBrowserContext context, Dictionary<string, string> fields)
    {
        var form = context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }

    private static async Task<string> UserIdAsync(string folder, string userName)
    {
        await using var db = SqliteFolder.Context(folder);
        return await db.Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<bool> IsLockedAsync(string folder, string userName)
    {
        await using var db = SqliteFolder.Context(folder);
        return await db.Users.Where(u => u.UserName == userName).Select(u => u.LockoutEnd).SingleAsync(TestContext.Current.CancellationToken) is not null;
    }

    /// <summary>An operator's lock, written straight to the database the server process uses (as another instance's would be).</summary>
    private static async Task SetLockedAsync(string folder, string userName)
    {
        await using var db = SqliteFolder.Context(folder);
        await db.Users.Where(u => u.UserName == userName).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.LockoutEnabled, true)
            .SetProperty(u => u.LockoutEnd, DateTimeOffset.MaxValue), TestContext.Current.CancellationToken);
    }
}
