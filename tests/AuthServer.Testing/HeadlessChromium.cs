using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace AuthServer.Tests.Infrastructure;

/// <summary>Debian's Chromium driven by Playwright (never a downloaded browser), and the sign-in every browser test starts with.</summary>
public static class HeadlessChromium
{
    public const string Path = "/usr/bin/chromium";

    public static string MissingReason => $"No browser: {Path} is missing (Debian package `chromium`, installed by .ci/install).";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Path,
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"],
    });

    /// <summary>
    /// From the app's start page through the server's login page as alice and back, signed in; generous timeouts,
    /// because the server, the app's host and Chromium share two cores.
    /// </summary>
    public static async Task SignInAsAliceAsync(IPage page, string app, string authority)
    {
        page.SetDefaultTimeout(60_000);
        page.SetDefaultNavigationTimeout(60_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        var status = page.Locator("#status");

        await page.GotoAsync($"{app}/");
        await Assertions.Expect(status).ToHaveTextAsync("Not signed in");

        await page.ClickAsync("#login");
        await Assertions.Expect(page).ToHaveURLAsync(At($"{authority}account/login", anyQuery: true));
        await page.FillAsync("#username", "alice");
        await page.FillAsync("#password", TestUsers.AlicePassword);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(At($"{app}/"));
        await Assertions.Expect(status).ToHaveTextAsync("Signed in as alice");
        await Assertions.Expect(page.Locator("#claims")).ToContainTextAsync("alice@example.com");
    }

    /// <summary>
    /// With AUTHSERVER_WRITE_SCREENSHOTS=1, the page as it looks now, saved as docs/images/<paramref name="name"/> for the
    /// docs; otherwise nothing (a test run never rewrites committed files by default).
    /// </summary>
    public static async Task ScreenshotForDocsAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("AUTHSERVER_WRITE_SCREENSHOTS") != "1")
        {
            return;
        }

        var images = System.IO.Path.GetFullPath(System.IO.Path.Combine(ServerProcess.ContentRoot, "..", "..", "docs", "images"));
        Directory.CreateDirectory(images);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = System.IO.Path.Combine(images, name), FullPage = true });
    }

    /// <summary>
    /// A page at exactly this address, for Playwright's retrying URL assertion. It polls the page's address, where
    /// WaitForURL waits for a navigation event and, on a busy machine, can miss one that arrives while it starts waiting.
    /// </summary>
    public static Regex At(string address, bool anyQuery = false) =>
        new($"^{Regex.Escape(address)}{(anyQuery ? @"(\?.*)?" : "")}$");
}
