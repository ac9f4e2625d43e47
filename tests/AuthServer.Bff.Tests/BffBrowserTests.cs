using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Bff.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace AuthServer.Bff.Tests;

/// <summary>
/// The sample SPA behind its BFF in real headless Chromium: sign in through the server's login page, call the API
/// through the proxy, and find no token anywhere the page can reach; a cross-site form is refused; sign out ends it all.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed partial class BffBrowserTests
{
    [Fact]
    public async Task Alice_signs_in_through_the_bff_calls_the_api_and_no_token_ever_reaches_the_page()
    {
        Assert.SkipUnless(File.Exists(HeadlessChromium.Path), HeadlessChromium.MissingReason);
        await using var system = await BffSystem.StartAsync();
        var bff = system.Bff.Address.AbsoluteUri.TrimEnd('/');

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var requested = new ConcurrentQueue<string>();
        var bodies = new ConcurrentQueue<Task<string?>>();
        page.Request += (_, request) => requested.Enqueue(request.Url);
        page.Response += (_, response) => bodies.Enqueue(BodyAsync(response));

        await HeadlessChromium.SignInAsAliceAsync(page, bff, system.Issuer.AbsoluteUri);
        var status = page.Locator("#status");

        await page.ClickAsync("#call-api");
        await Assertions.Expect(page.Locator("#api")).ToContainTextAsync("200");
        await Assertions.Expect(page.Locator("#api")).ToContainTextAsync("\"client_id\":\"bff\"");

        // The tokens exist, server-side.
        var key = Assert.Single(await system.Bff.SessionKeysAsync());
        var ticket = (await system.Bff.TicketAsync(key))!;
        string[] tokens = [.. new[] { "access_token", "refresh_token", "id_token" }.Select(name => ticket.Properties.GetTokenValue(name)!)];
        Assert.All(tokens, token => Assert.False(string.IsNullOrEmpty(token)));

        // And nowhere the page's JavaScript can look.
        Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => sessionStorage.length"));
        var seen = (await Task.WhenAll(bodies.Select(WithinAsync))).Where(body => body is not null).ToList();
        Assert.NotEmpty(seen);
        foreach (var body in seen)
        {
            Assert.All(tokens, token => Assert.DoesNotContain(token, body!, StringComparison.Ordinal));
            Assert.False(JwtShape().IsMatch(body!), "A response the page saw holds something shaped like a JWT.");
        }

        Assert.DoesNotContain(requested, url => tokens.Any(token => url.Contains(token, StringComparison.Ordinal)));

        var session = Assert.Single(await context.CookiesAsync([bff]), cookie => cookie.Name == "__Host-bff");
        Assert.True(session.HttpOnly);
        Assert.True(session.Secure);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.Equal(-1, session.Expires);

        // A form on another origin posting to the BFF's logout: the browser cannot add the header, so nothing ends.
        var attacker = await context.NewPageAsync();
        attacker.SetDefaultTimeout(60_000);
        attacker.SetDefaultNavigationTimeout(60_000);
        await attacker.GotoAsync($"{system.Issuer}.well-known/openid-configuration");
        await attacker.EvaluateAsync("target => { const f = document.createElement('form'); f.method = 'post'; f.action = target; document.body.append(f); f.submit(); }",
            $"{bff}/bff/logout");
        await Assertions.Expect(attacker).ToHaveURLAsync(HeadlessChromium.At($"{bff}/bff/logout"));
        await Assertions.Expect(attacker.Locator("body")).ToContainTextAsync(Bff.BffProblems.CsrfHeaderMissing);
        await page.ReloadAsync();
        await Assertions.Expect(status).ToHaveTextAsync("Signed in as alice");

        // Sign out: refresh token revoked, BFF session gone, the server's session ended, the id token never in a URL.
        var sid = ticket.Principal.FindFirst("sid")!.Value;
        await page.ClickAsync("#logout");
        await Assertions.Expect(page).ToHaveURLAsync(HeadlessChromium.At($"{bff}/"));
        await Assertions.Expect(status).ToHaveTextAsync("Not signed in");
        Assert.Empty(await system.Bff.SessionKeysAsync());
        var ended = await system.AuthServer.WithDbAsync(db => db.BrowserSessions.AsNoTracking().SingleAsync(s => s.Id == sid));
        Assert.NotNull(ended.EndedAt);
        using var http = system.AuthServer.Http();
        (await new TokenClient(http).PostAsync(new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens[1],
            ["client_id"] = BffSystem.ClientId,
            ["client_secret"] = BffSystem.ClientSecret,
        })).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Contains(requested, url => url.Contains("/connect/logout", StringComparison.Ordinal));
        Assert.DoesNotContain(requested, url => url.Contains("id_token", StringComparison.Ordinal));
    }

    /// <summary>A body the browser already dropped (a superseded navigation) may never arrive; it cannot hold anything the page saw.</summary>
    private static async Task<string?> WithinAsync(Task<string?> body) =>
        await Task.WhenAny(body, Task.Delay(TimeSpan.FromSeconds(10))) == body ? await body : null;

    private static async Task<string?> BodyAsync(IResponse response)
    {
        try
        {
            return await response.TextAsync();
        }
        catch (PlaywrightException)
        {
            // Redirects and aborted loads have no body.
            return null;
        }
    }

    /// <summary>Header and payload of a JWS or JWE: base64url of a JSON object, twice.</summary>
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{10,}\.")]
    private static partial Regex JwtShape();
}

/// <summary>The browser test runs alone: it needs the CPU for four servers and Chromium.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Browser";
}
