using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace AuthServer.Tests;

/// <summary>
/// Passkeys in real headless Chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain), against the
/// built server as a process and the sample SPA: alice adds a passkey on her account page, signs out, and signs in to the
/// SPA with it alone (tokens and all). Then the attacks: the same key answering a look-alike site's challenge (a phishing
/// relay) is refused, one captured answer replayed ten times at once signs in once (and not again later, even where the counter cannot tell), a locked user's passkey is refused, and
/// a removed passkey no longer signs in.
/// With AUTHSERVER_WRITE_SCREENSHOTS=1 it also refreshes the pictures of the login and account pages in docs/images.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class PasskeyBrowserTests
{
    [Fact]
    public async Task A_passkey_added_on_the_account_page_signs_in_to_the_spa_and_phishing_relays_locks_and_removal_are_refused()
    {
        SampleSpa.SkipUnlessRunnable();

        var folder = Directory.CreateTempSubdirectory("authserver-passkeys-").FullName;
        var serverPort = RunningProcess.FreePort();
        var spaPort = RunningProcess.FreePort();
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

            await using var spaServer = await SampleSpa.StartAsync(spaPort, authority, $"http://localhost:{spaPort}/none");

            try
            {
                using var playwright = await Playwright.CreateAsync();
                await using var browser = await HeadlessChromium.LaunchAsync(playwright);
                await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 900, Height = 1000 } });
                var page = await context.NewPageAsync();
                var authenticator = await VirtualAuthenticator.AttachAsync(context, page);

                // Signed in with her password through the SPA; her account page then offers to add a passkey (the sign-in is fresh).
                await HeadlessChromium.SignInAsAliceAsync(page, spa, authority);
                await Screenshot(page, $"{authority}account/login", "login-page.png");
                await page.GotoAsync($"{authority}account");
                await Assertions.Expect(page.Locator("#account-name")).ToHaveTextAsync("alice");
                await page.FillAsync("#passkey-name", "Test laptop");
                await page.ClickAsync("#add-passkey-button");
                await Assertions.Expect(page.Locator("#account-notice")).ToContainTextAsync("Passkey added");
                await Assertions.Expect(page.Locator("#passkeys")).ToContainTextAsync("Test laptop");
                Assert.Single(await authenticator.CredentialsAsync());
                await Screenshot(page, null, "account-page.png");

                // Signed out, with the authenticator waiting for a touch: the login page's autofill request stays pending.
                await authenticator.SetPresenceAsync(false);
                await page.ClickAsync("#sign-out");
                await Assertions.Expect(page).ToHaveURLAsync(HeadlessChromium.At($"{authority}account/login", anyQuery: true));

                // Back in through the SPA with the passkey alone, offered by the name field's autofill (conditional
                // mediation): the virtual authenticator answers it at once, as a user picking the passkey would. The
                // login page's own pending request goes first (a blank page), or it would answer and race the SPA's navigation.
                await page.GotoAsync("about:blank");
                await authenticator.SetPresenceAsync(true);
                await SignInToSpaWithPasskeyAsync(page, spa, authority, click: false);
                await page.GotoAsync($"{authority}account");
                await Assertions.Expect(page.Locator("#events")).ToContainTextAsync("Signed in with a passkey to spa");
                await Assertions.Expect(page.Locator("#passkeys")).Not.ToContainTextAsync("never");

                // From here on, a browser without autofill for passkeys: the button is the way (and nothing signs in unasked).
                await context.AddInitScriptAsync("PublicKeyCredential.isConditionalMediationAvailable = async () => false;");
                await authenticator.SetPresenceAsync(false);
                await page.ClickAsync("#sign-out");
                await Assertions.Expect(page).ToHaveURLAsync(HeadlessChromium.At($"{authority}account/login", anyQuery: true));
                await page.GotoAsync("about:blank");
                await authenticator.SetPresenceAsync(true);
                await SignInToSpaWithPasskeyAsync(page, spa, authority, click: true);
                await page.GotoAsync($"{authority}account");
                await page.ClickAsync("#sign-out");

                // A phishing relay: a look-alike site (another relying-party id) gets the same key to sign this server's own
                // challenge, and relays the answer. The signature is right; the relying party and origin are not.
                var relayed = await RelayThroughLookAlikeAsync(context, authenticator, page, serverPort);
                await page.EvalOnSelectorAsync("[data-passkey-credential]", "(field, value) => { field.value = value; field.form.submit(); }", relayed);
                await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("That passkey could not sign you in");
                await page.GotoAsync($"{authority}account");
                await Assertions.Expect(page).ToHaveURLAsync(HeadlessChromium.At($"{authority}account/login", anyQuery: true));

                // A captured passkey answer replayed ten times at once: one sign-in, nine refusals (each challenge is used once).
                await page.GotoAsync($"{authority}account/login");
                var (signedIn, replay) = await ReplayInParallelAsync(context, page, authority, serverPort, times: 10);
                Assert.Equal(1, signedIn);

                // Replayed later, with the stored signature counter at 0, as synced passkeys report it: the challenge's one use refuses it.
                await SetStoredSignCountToZeroAsync(folder);
                Assert.False(await replay());

                // A locked user's passkey is refused like their password.
                await page.GotoAsync($"{authority}account/login");
                await SetLockedAsync(folder, locked: true);
                await page.ClickAsync("#passkey-button");
                await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("That passkey could not sign you in");
                await SetLockedAsync(folder, locked: false);

                // Removed on the account page (after a fresh sign-in, which removal asks for), the passkey no longer signs in.
                await page.GotoAsync($"{authority}account/login?returnUrl=%2Faccount");
                await page.ClickAsync("#passkey-button");
                await Assertions.Expect(page.Locator("#account-name")).ToHaveTextAsync("alice");
                await page.ClickAsync("#passkeys button.danger");
                await Assertions.Expect(page.Locator("#account-notice")).ToContainTextAsync("Passkey removed");
                await page.ClickAsync("#sign-out");
                await page.ClickAsync("#passkey-button");
                await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("That passkey could not sign you in");
            }
            catch (Exception failure) when (failure is PlaywrightException or Xunit.Sdk.IAssertionException)
            {
                throw server.Explain(failure);
            }
        }
        finally
        {
            SqliteFolder.DeleteQuietly(folder);
        }
    }

    /// <summary>The SPA's sign-in, answered on the login page by the passkey: through autofill, or with the button when <paramref name="click"/>.</summary>
    private static async Task SignInToSpaWithPasskeyAsync(IPage page, string spa, string authority, bool click)
    {
        await page.GotoAsync($"{spa}/");
        await page.EvaluateAsync("() => sessionStorage.clear()");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Not signed in");
        await page.ClickAsync("#login");
        if (click)
        {
            await Assertions.Expect(page).ToHaveURLAsync(HeadlessChromium.At($"{authority}account/login", anyQuery: true));
            await page.ClickAsync("#passkey-button");
        }

        await Assertions.Expect(page).ToHaveURLAsync(HeadlessChromium.At($"{spa}/"));
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Signed in as alice");
        await Assertions.Expect(page.Locator("#claims")).ToContainTextAsync("alice@example.com");

        // Real tokens: the SPA holds a refresh token and an RFC 9068 access token for the user its ID token names.
        var stored = await page.EvaluateAsync<string>("() => sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('oidc.user:')))");
        var tokens = JsonDocument.Parse(stored).RootElement;
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));
        var profile = tokens.GetProperty("profile");
        Assert.Equal("alice", profile.GetProperty("name").GetString());
        var accessToken = tokens.GetProperty("access_token").GetString()!.Split('.');
        var header = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(accessToken[0])).RootElement;
        var claims = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(accessToken[1])).RootElement;
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        Assert.Equal(profile.GetProperty("sub").GetString(), claims.GetProperty("sub").GetString());
    }

    /// <summary>
    /// The look-alike site `evil.localhost` (another relying-party id, on the same loopback) holds a copy of alice's
    /// passkey under its own id, and asks it to sign the challenge of this server's login page, open in the first tab.
    /// </summary>
    private static async Task<string> RelayThroughLookAlikeAsync(IBrowserContext context, VirtualAuthenticator original, IPage victim, int serverPort)
    {
        await Assertions.Expect(victim.Locator("#passkey-button")).ToBeVisibleAsync();
        var options = JsonDocument.Parse((await victim.GetAttributeAsync("#passkey-form", "data-passkey-options"))!).RootElement;
        var credential = (await original.CredentialsAsync()).Single();

        var lookAlike = await context.NewPageAsync();
        var copy = await VirtualAuthenticator.AttachAsync(context, lookAlike);
        await lookAlike.GotoAsync($"http://evil.localhost:{serverPort}/health/live");
        await copy.AddCredentialAsync(credential, rpId: "evil.localhost");
        var relayed = await lookAlike.EvaluateAsync<string>(
            """
            async ([challenge, id]) => {
              const decode = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
              const credential = await navigator.credentials.get({ publicKey: {
                challenge: decode(challenge), rpId: 'evil.localhost', userVerification: 'required',
                allowCredentials: [{ type: 'public-key', id: decode(id) }] } });
              return JSON.stringify(credential.toJSON());
            }
            """, new[] { options.GetProperty("challenge").GetString()!, credential.GetProperty("credentialId").GetString()! });
        await lookAlike.CloseAsync();
        return relayed;
    }

    /// <summary>
    /// Has the page's passkey answer its challenge without posting it, then posts the page's form with that answer
    /// <paramref name="times"/> times at once with the page's cookies (as an attacker who captured the request would);
    /// how many signed in.
    /// </summary>
    private static async Task<(int SignedIn, Func<Task<bool>> Again)> ReplayInParallelAsync(
        IBrowserContext context, IPage page, string authority, int serverPort, int times)
    {
        var credential = await page.EvaluateAsync<string>(
            """
            async () => {
              const options = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(document.querySelector('#passkey-form').dataset.passkeyOptions));
              return JSON.stringify((await navigator.credentials.get({ publicKey: options })).toJSON());
            }
            """);
        var fields = await page.EvalOnSelectorAsync<Dictionary<string, string>>(
            "#passkey-form", "form => Object.fromEntries([...new FormData(form)].filter(([k]) => k !== 'credential'))");
        fields["credential"] = credential;
        var cookies = string.Join("; ", (await context.CookiesAsync([authority])).Select(c => $"{c.Name}={c.Value}"));

        async Task<bool> PostAsync()
        {
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{serverPort}/account/login/passkey") { Content = new FormUrlEncodedContent(fields) };
            request.Headers.Add("Cookie", cookies);
            using var response = await http.SendAsync(request);
            return response.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith("authserver.session=", StringComparison.Ordinal));
        }

        var signedIn = await Task.WhenAll(Enumerable.Range(0, times).Select(_ => PostAsync()));
        return (signedIn.Count(yes => yes), PostAsync);
    }

    /// <summary>What a synced passkey's counter looks like to the server: always 0, so the counter check cannot catch a replay.</summary>
    private static async Task SetStoredSignCountToZeroAsync(string folder)
    {
        await using var db = SqliteFolder.Context(folder);
        await db.Database.ExecuteSqlRawAsync("UPDATE AspNetUserPasskeys SET Data = json_set(Data, '$.SignCount', 0)", TestContext.Current.CancellationToken);
    }

    /// <summary>An operator's lock, written straight to the database the server process uses.</summary>
    private static async Task SetLockedAsync(string folder, bool locked)
    {
        await using var db = SqliteFolder.Context(folder);
        await db.Users.Where(u => u.UserName == "alice").ExecuteUpdateAsync(set => set
            .SetProperty(u => u.LockoutEnabled, true)
            .SetProperty(u => u.LockoutEnd, locked ? DateTimeOffset.MaxValue : null));
    }

    /// <summary>The docs' picture of a page: this one, or <paramref name="url"/> in a tab of its own.</summary>
    private static async Task Screenshot(IPage page, string? url, string name)
    {
        if (url is null)
        {
            await HeadlessChromium.ScreenshotForDocsAsync(page, name);
            return;
        }

        var tab = await page.Context.NewPageAsync();
        await tab.GotoAsync(url);
        await HeadlessChromium.ScreenshotForDocsAsync(tab, name);
        await tab.CloseAsync();
    }

    /// <summary>A platform authenticator with user verification that always consents, on one tab (DevTools WebAuthn domain).</summary>
    private sealed class VirtualAuthenticator(ICDPSession cdp, string id)
    {
        public static async Task<VirtualAuthenticator> AttachAsync(IBrowserContext context, IPage page)
        {
            var cdp = await context.NewCDPSessionAsync(page);
            await cdp.SendAsync("WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });
            var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
            {
                ["options"] = new Dictionary<string, object>
                {
                    ["protocol"] = "ctap2",
                    ["transport"] = "internal",
                    ["hasResidentKey"] = true,
                    ["hasUserVerification"] = true,
                    ["isUserVerified"] = true,
                    ["automaticPresenceSimulation"] = true,
                },
            });
            return new VirtualAuthenticator(cdp, added!.Value.GetProperty("authenticatorId").GetString()!);
        }

        public async Task<List<JsonElement>> CredentialsAsync()
        {
            var result = await cdp.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = id });
            return [.. result!.Value.GetProperty("credentials").EnumerateArray().Select(c => c.Clone())];
        }

        /// <summary>Off, the authenticator waits for a touch that never comes; on, it consents at once.</summary>
        public Task<JsonElement?> SetPresenceAsync(bool enabled) => cdp.SendAsync("WebAuthn.setAutomaticPresenceSimulation", new Dictionary<string, object>
        {
            ["authenticatorId"] = id,
            ["enabled"] = enabled,
        });

        /// <summary>The same key and id under another relying-party id: what a look-alike site would hold.</summary>
        public Task<JsonElement?> AddCredentialAsync(JsonElement credential, string rpId) => cdp.SendAsync("WebAuthn.addCredential", new Dictionary<string, object>
        {
            ["authenticatorId"] = id,
            ["credential"] = new Dictionary<string, object>
            {
                ["credentialId"] = credential.GetProperty("credentialId").GetString()!,
                ["isResidentCredential"] = true,
                ["rpId"] = rpId,
                ["privateKey"] = credential.GetProperty("privateKey").GetString()!,
                ["userHandle"] = credential.GetProperty("userHandle").GetString()!,
                ["signCount"] = 100,
            },
        });
    }
}
