using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using AuthServer.Contracts.SharedSignals;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests;

/// <summary>
/// The signed-in user's account page over real HTTP: the login cookie is its only identity, every id it takes is looked up
/// among the user's own rows, each post needs this browser's antiforgery token, and what it ends reaches refresh tokens,
/// other browsers and the revocation feed. Each test signs in users of its own; the class's server asks for a sign-in
/// within a minute (the least Account:ConfirmWithin allows) so the step-up test only moves the clock a little.
/// </summary>
public sealed partial class AccountPageTests(AccountPageTests.Server server) : IClassFixture<AccountPageTests.Server>
{
    private const string LoginRedirect = "/account/login?returnUrl=%2Faccount";
    private const string ConfirmRedirect = "/account/login?returnUrl=%2Faccount&confirm=1";
    private const string NewPassword = "Changed-Pass-7890!";

    /// <summary>Where every form of the page posts.</summary>
    private static readonly string[] Actions =
    [
        "/account/sessions/end", "/account/chains/end", "/account/sessions/end-others", "/account/password",
        "/account/passkeys/rename", "/account/passkeys/remove", "/account/passkeys/add", "/account/sign-out",
    ];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly HttpClient _http = server.CreateClient();

    [Fact]
    public async Task Without_a_login_cookie_the_page_sends_to_the_login_page_and_no_post_acts()
    {
        var alice = await server.CreateUserAsync();
        using var aliceDevice = await SignInAsync(alice);
        using var stranger = new BrowserClient(server);

        using (var page = await stranger.GetAsync("/account"))
        {
            AssertRedirect(LoginRedirect, page);
        }

        // A valid token for an anonymous browser (the login page's) gets past the antiforgery check, not past the cookie check.
        var anonymousToken = await stranger.AntiforgeryTokenAsync(LoginRedirect);
        foreach (var action in Actions)
        {
            using var withToken = await PostAsync(stranger, action, anonymousToken, Fields(action, aliceDevice));
            AssertRedirect(LoginRedirect, withToken);
            using var withoutToken = await PostAsync(stranger, action, token: null, Fields(action, aliceDevice));
            AssertFormRefused(withoutToken);
        }

        await AssertAliveAsync(aliceDevice);
    }

    [Fact]
    public async Task The_page_lists_only_the_users_own_sessions_and_chains_and_refuses_another_users_ids()
    {
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        using var aliceDevice = await SignInAsync(alice);
        using var bobDevice = await SignInAsync(bob);

        var html = await OpenAsync(aliceDevice.Browser);
        Assert.Equal([aliceDevice.SessionId], SessionIds(html));
        Assert.Equal([aliceDevice.ChainId], ChainIds(html));
        Assert.Equal(aliceDevice.SessionId, CurrentSessionId(html));
        Assert.Matches("class=\"current\"><p><strong>[^<]*</strong>[^<]*this device", html);
        Assert.DoesNotContain(bobDevice.SessionId, html, StringComparison.Ordinal);
        Assert.DoesNotContain(bobDevice.ChainId, html, StringComparison.Ordinal);
        Assert.DoesNotContain(bob.UserName!, html, StringComparison.Ordinal);

        using (var session = await PostFromPageAsync(aliceDevice.Browser, "/account/sessions/end", ("id", bobDevice.SessionId)))
        {
            await AssertActionRefusedAsync(session);
        }

        using (var chain = await PostFromPageAsync(aliceDevice.Browser, "/account/chains/end", ("id", bobDevice.ChainId)))
        {
            await AssertActionRefusedAsync(chain);
        }

        await AssertAliveAsync(bobDevice);
        await AssertAliveAsync(aliceDevice);
    }

    /// <summary>One app's access ends: its refresh token, a feed event naming the chain; the browser session it came from stays.</summary>
    [Fact]
    public async Task Ending_a_chain_revokes_its_refresh_token_tells_the_feed_and_keeps_the_browser_signed_in()
    {
        var feed = await NewFeedAsync();
        var alice = await server.CreateUserAsync();
        using var aliceDevice = await SignInAsync(alice);

        using (var ended = await PostFromPageAsync(aliceDevice.Browser, "/account/chains/end", ("id", aliceDevice.ChainId)))
        {
            AssertRedirect("/account?done=chain-ended", ended);
        }

        (await aliceDevice.Browser.Tokens.RefreshAsync(aliceDevice.RefreshToken)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        var revoked = await RevocationAsync(feed, alice.Id, aliceDevice.ChainId);
        Assert.NotNull(revoked);
        var html = await OpenAsync(aliceDevice.Browser, "/account?done=chain-ended");
        Assert.Equal([aliceDevice.SessionId], SessionIds(html));
        Assert.Empty(ChainIds(html));
        Assert.Contains("id=\"account-notice\"", html, StringComparison.Ordinal);
    }

    /// <summary>CAEP 1.0 §2: what the user does on their own page is initiated by the user, not by an administrator.</summary>
    [Fact]
    public async Task The_feed_says_the_user_initiated_what_they_ended_on_their_page()
    {
        var feed = await NewFeedAsync();
        var alice = await server.CreateUserAsync();
        using var laptop = await SignInAsync(alice);
        using var phone = await SignInAsync(alice);

        using (var chain = await PostFromPageAsync(laptop.Browser, "/account/chains/end", ("id", laptop.ChainId)))
        {
            AssertRedirect("/account?done=chain-ended", chain);
        }

        using (var session = await PostFromPageAsync(laptop.Browser, "/account/sessions/end", ("id", phone.SessionId)))
        {
            AssertRedirect("/account?done=session-ended", session);
        }

        Assert.Equal("user", (await RevocationAsync(feed, alice.Id, laptop.ChainId))?.GetProperty("initiating_entity").GetString());
        Assert.Equal("user", (await RevocationAsync(feed, alice.Id, phone.SessionId))?.GetProperty("initiating_entity").GetString());
    }

    [Fact]
    public async Task Ending_every_other_session_ends_the_other_browser_and_its_chain_and_keeps_this_one()
    {
        var alice = await server.CreateUserAsync();
        using var laptop = await SignInAsync(alice);
        using var phone = await SignInAsync(alice);

        using (var ended = await PostFromPageAsync(laptop.Browser, "/account/sessions/end-others"))
        {
            AssertRedirect("/account?done=others-ended", ended);
        }

        await AssertSignedOutAsync(phone);
        await AssertAliveAsync(laptop);
        Assert.Equal([laptop.SessionId], SessionIds(await OpenAsync(laptop.Browser)));
    }

    /// <summary>
    /// A sign-in older than Account:ConfirmWithin may not end other sessions or change the password: the page says so and
    /// the post goes to the login page; signing in again there renews the same session and the action then works.
    /// </summary>
    [Fact]
    public async Task An_old_sign_in_must_be_confirmed_before_ending_other_sessions()
    {
        var alice = await server.CreateUserAsync();
        using var laptop = await SignInAsync(alice);
        using var phone = await SignInAsync(alice);
        var fresh = await OpenAsync(laptop.Browser);
        Assert.DoesNotContain("id=\"confirm-needed\"", fresh, StringComparison.Ordinal);
        Assert.False(EndOthersDisabled(fresh), "Right after signing in, ending other sessions needs no confirmation.");

        server.Clock.Advance(TimeSpan.FromSeconds(61));

        var stale = await OpenAsync(laptop.Browser);
        Assert.Contains("id=\"confirm-needed\"", stale, StringComparison.Ordinal);
        Assert.True(EndOthersDisabled(stale), "Past ConfirmWithin the button is disabled.");
        using (var refused = await PostFromPageAsync(laptop.Browser, "/account/sessions/end-others"))
        {
            AssertRedirect(ConfirmRedirect, refused);
        }

        using (var password = await PostFromPageAsync(laptop.Browser, "/account/password", ("current", TestUsers.Password), ("new", NewPassword), ("repeat", NewPassword)))
        {
            AssertRedirect(ConfirmRedirect, password);
        }

        await AssertAliveAsync(phone);
        Assert.True(await CanSignInAsync(alice.UserName!, TestUsers.Password), "The password did not change.");

        using (var confirmed = await laptop.Browser.PostLoginAsync(ConfirmRedirect, alice.UserName!, TestUsers.Password))
        {
            Assert.Equal("/account", laptop.Browser.LocationOf(confirmed).AbsolutePath);
        }

        var renewed = await OpenAsync(laptop.Browser);
        Assert.Equal(laptop.SessionId, CurrentSessionId(renewed));
        Assert.Contains(phone.SessionId, SessionIds(renewed));
        Assert.False(EndOthersDisabled(renewed), "Confirming renews the session's sign-in time.");
        using (var ended = await PostFromPageAsync(laptop.Browser, "/account/sessions/end-others"))
        {
            AssertRedirect("/account?done=others-ended", ended);
        }

        await AssertSignedOutAsync(phone);
        await AssertAliveAsync(laptop);
    }

    [Fact]
    public async Task Posts_without_this_browsers_antiforgery_token_are_refused_and_change_nothing()
    {
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        using var laptop = await SignInAsync(alice);
        using var phone = await SignInAsync(alice);
        using var bobDevice = await SignInAsync(bob);
        var bobsToken = TokenOf(await OpenAsync(bobDevice.Browser));

        foreach (var action in Actions)
        {
            using var missing = await PostAsync(laptop.Browser, action, token: null, Fields(action, phone));
            AssertFormRefused(missing);
            using var foreign = await PostAsync(laptop.Browser, action, bobsToken, Fields(action, phone));
            AssertFormRefused(foreign);
        }

        await AssertAliveAsync(laptop);
        await AssertAliveAsync(phone);
        await AssertAliveAsync(bobDevice);
        Assert.Equal(2, SessionIds(await OpenAsync(laptop.Browser)).Count);
        Assert.True(await CanSignInAsync(alice.UserName!, TestUsers.Password), "The password did not change.");
    }

    [Fact]
    public async Task A_wrong_current_password_changes_nothing()
    {
        var alice = await server.CreateUserAsync();
        using var laptop = await SignInAsync(alice);
        using var phone = await SignInAsync(alice);

        using (var refused = await PostFromPageAsync(laptop.Browser, "/account/password", ("current", "Not-The-Pass-1!"), ("new", NewPassword), ("repeat", NewPassword)))
        {
            await AssertActionRefusedAsync(refused);
        }

        await AssertAliveAsync(laptop);
        await AssertAliveAsync(phone);
        Assert.True(await CanSignInAsync(alice.UserName!, TestUsers.Password), "The old password still works.");
        Assert.False(await CanSignInAsync(alice.UserName!, NewPassword), "The new password was never set.");
    }

    /// <summary>
    /// A cookie thief guessing the current password through the change form meets the sign-in back-off: after the free
    /// failures the form answers "too many attempts" without checking, even the right password, and nothing changes.
    /// </summary>
    [Fact]
    public async Task Guessing_the_current_password_through_the_change_form_backs_off_like_the_login_page()
    {
        var alice = await server.CreateUserAsync();
        using var laptop = await SignInAsync(alice);
        var answers = new List<string>();
        for (var guess = 0; guess < 8; guess++)
        {
            using var refused = await PostFromPageAsync(laptop.Browser, "/account/password", ("current", $"Guess-{guess}-Pass!"), ("new", NewPassword), ("repeat", NewPassword));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            answers.Add(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        Assert.Contains(answers, a => a.Contains("Too many attempts", StringComparison.Ordinal));
        using (var right = await PostFromPageAsync(laptop.Browser, "/account/password", ("current", TestUsers.Password), ("new", NewPassword), ("repeat", NewPassword)))
        {
            Assert.Contains("Too many attempts", await right.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        Assert.False(await CanSignInAsync(alice.UserName!, NewPassword), "The password never changed.");
    }

    /// <summary>A new password ends the other browser and its refresh token; this browser stays signed in, and only the new password works.</summary>
    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions_and_keeps_this_browser_signed_in()
    {
        var alice = await server.CreateUserAsync();
        using var laptop = await SignInAsync(alice);
        using var phone = await SignInAsync(alice);

        using (var changed = await PostFromPageAsync(laptop.Browser, "/account/password", ("current", TestUsers.Password), ("new", NewPassword), ("repeat", NewPassword)))
        {
            AssertRedirect("/account?done=password-changed", changed);
        }

        await AssertSignedOutAsync(phone);
        var html = await OpenAsync(laptop.Browser);
        Assert.DoesNotContain(phone.SessionId, html, StringComparison.Ordinal);
        Assert.Single(SessionIds(html));
        Assert.True(await CanSignInAsync(alice.UserName!, NewPassword), "The new password signs in.");
        Assert.False(await CanSignInAsync(alice.UserName!, TestUsers.Password), "The old password no longer does.");
    }

    /// <summary>
    /// The race on the last way in: a user without a password and with two passkeys posts both removals at once (same
    /// browser, same token). Each check alone sees a second passkey; only one removal may win, the other is refused,
    /// and one passkey stays. A removal that checked, then deleted, would answer 303 twice and leave none.
    /// </summary>
    [Fact]
    public async Task Two_parallel_removals_cannot_leave_a_passwordless_account_without_a_passkey()
    {
        var alice = await server.CreateUserAsync();
        using var laptop = await SignInAsync(alice);
        var remaining = await AddPasskeyAsync(alice, "first");

        // The password goes without a new security stamp, so this browser's cookie stays valid.
        var cleared = await server.WithDbAsync(db => db.Users.Where(u => u.Id == alice.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, (string?)null), Cancel));
        Assert.Equal(1, cleared);
        Assert.Contains(">Set a password</h2>", await OpenAsync(laptop.Browser), StringComparison.Ordinal);

        for (var round = 0; round < 5; round++)
        {
            var other = await AddPasskeyAsync(alice, $"round {round}");
            Assert.Equal(2, await PasskeyCountAsync(alice.Id));
            var token = TokenOf(await OpenAsync(laptop.Browser));

            var answers = await Task.WhenAll(
                PostAsync(laptop.Browser, "/account/passkeys/remove", token, ("id", WebEncoders.Base64UrlEncode(remaining))),
                PostAsync(laptop.Browser, "/account/passkeys/remove", token, ("id", WebEncoders.Base64UrlEncode(other))));
            try
            {
                Assert.True(
                    answers.Count(a => a.StatusCode == HttpStatusCode.SeeOther) == 1 && answers.Count(a => a.StatusCode == HttpStatusCode.BadRequest) == 1,
                    $"Round {round}: {string.Join(", ", answers.Select(a => (int)a.StatusCode))}");
                AssertRedirect("/account?done=passkey-removed", answers.Single(a => a.StatusCode == HttpStatusCode.SeeOther));
                await AssertLastWayInKeptAsync(answers.Single(a => a.StatusCode == HttpStatusCode.BadRequest));
            }
            finally
            {
                foreach (var answer in answers)
                {
                    answer.Dispose();
                }
            }

            var left = await PasskeyIdsAsync(alice.Id);
            Assert.Single(left);
            remaining = left[0];
        }

        using (var last = await PostFromPageAsync(laptop.Browser, "/account/passkeys/remove", ("id", WebEncoders.Base64UrlEncode(remaining))))
        {
            await AssertLastWayInKeptAsync(last);
        }

        Assert.Equal([remaining], await PasskeyIdsAsync(alice.Id));
    }

    /// <summary>A passkey id is looked up among the signed-in user's own: another user's is neither renamed nor removed.</summary>
    [Fact]
    public async Task A_passkey_of_another_user_cannot_be_renamed_or_removed()
    {
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        var bobsPasskey = await AddPasskeyAsync(bob, "bob's phone");
        var bobsSecond = await AddPasskeyAsync(bob, "bob's laptop");
        using var aliceDevice = await SignInAsync(alice);
        var id = WebEncoders.Base64UrlEncode(bobsPasskey);
        Assert.DoesNotContain(id, await OpenAsync(aliceDevice.Browser), StringComparison.Ordinal);

        using (var rename = await PostFromPageAsync(aliceDevice.Browser, "/account/passkeys/rename", ("id", id), ("name", "renamed by alice")))
        {
            await AssertActionRefusedAsync(rename);
        }

        using (var remove = await PostFromPageAsync(aliceDevice.Browser, "/account/passkeys/remove", ("id", id)))
        {
            await AssertActionRefusedAsync(remove);
        }

        var names = await PasskeyNamesAsync(bob.Id);
        Assert.Equal(2, names.Count);
        Assert.Equal("bob's phone", names[Convert.ToHexString(bobsPasskey)]);
        Assert.Equal("bob's laptop", names[Convert.ToHexString(bobsSecond)]);
        Assert.Empty(await PasskeyIdsAsync(alice.Id));
    }

    /// <summary>One browser of a user, signed in through the code flow: its browser session, and the refresh chain issued inside it.</summary>
    private sealed record Device(BrowserClient Browser, string SessionId, string ChainId, string RefreshToken) : IDisposable
    {
        public void Dispose() => Browser.Dispose();
    }

    /// <summary>What ended, and why, reaches the owner's page: a stolen refresh token used after its owner's, a wrong password from elsewhere.</summary>
    [Fact]
    public async Task The_page_shows_a_replayed_refresh_token_and_a_failed_sign_in_to_the_owner_only()
    {
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        using var aliceDevice = await SignInAsync(alice);
        using var bobDevice = await SignInAsync(bob);

        var tokens = aliceDevice.Browser.Tokens;
        (await tokens.RefreshAsync(aliceDevice.RefreshToken)).ShouldSucceed();
        server.Clock.Advance(TimeSpan.FromSeconds(31));
        (await tokens.RefreshAsync(aliceDevice.RefreshToken)).ShouldFail(System.Net.HttpStatusCode.BadRequest, "invalid_grant");
        (await new TokenClient(server.CreateClient()).PasswordAsync(alice.UserName!, "not-her-password")).ShouldFail(System.Net.HttpStatusCode.BadRequest, "invalid_grant");

        // The page asks for a sign-in within a minute for some forms, not for reading: the clock moved 31 s.
        var page = await OpenAsync(aliceDevice.Browser);
        Assert.Contains("refresh token was used twice", page, StringComparison.Ordinal);
        Assert.Contains("Failed sign-in attempt (password)", page, StringComparison.Ordinal);
        var bobsPage = await OpenAsync(bobDevice.Browser);
        Assert.DoesNotContain("used twice", bobsPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed sign-in attempt", bobsPage, StringComparison.Ordinal);
    }

    private async Task<Device> SignInAsync(IdentityUser user)
    {
        var browser = new BrowserClient(server);
        var tokens = (await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        return new Device(
            browser,
            new JsonWebToken(tokens.Get("id_token")).GetClaim("sid").Value,
            new JsonWebToken(tokens.AccessToken).GetClaim("oi_au_id").Value,
            tokens.RefreshToken!);
    }

    /// <summary>The device's browser still opens the page and its refresh token still works.</summary>
    private static async Task AssertAliveAsync(Device device)
    {
        Assert.Contains($"data-session-id=\"{device.SessionId}\"", await OpenAsync(device.Browser), StringComparison.Ordinal);
        (await device.Browser.Tokens.RefreshAsync(device.RefreshToken)).ShouldSucceed();
    }

    /// <summary>The device's browser is sent to the login page and its refresh token is refused.</summary>
    private static async Task AssertSignedOutAsync(Device device)
    {
        using (var page = await device.Browser.GetAsync("/account"))
        {
            AssertRedirect(LoginRedirect, page);
        }

        (await device.Browser.Tokens.RefreshAsync(device.RefreshToken)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    private async Task<bool> CanSignInAsync(string userName, string password)
    {
        using var browser = new BrowserClient(server);
        using var response = await browser.PostLoginAsync(LoginRedirect, userName, password);
        return response.StatusCode == HttpStatusCode.Redirect;
    }

    /// <summary>A passkey given to the user straight through Identity (no ceremony); its credential id.</summary>
    private async Task<byte[]> AddPasskeyAsync(IdentityUser user, string name)
    {
        var credentialId = RandomNumberGenerator.GetBytes(16);
        await server.WithUsersAsync(async users =>
        {
            var stored = await users.FindByIdAsync(user.Id);
            Assert.NotNull(stored);
            var passkey = new UserPasskeyInfo(
                credentialId: credentialId, publicKey: RandomNumberGenerator.GetBytes(77), createdAt: server.Clock.GetUtcNow(), signCount: 0,
                transports: null, isUserVerified: true, isBackupEligible: false, isBackedUp: false, attestationObject: [], clientDataJson: [])
            {
                Name = name,
            };
            Assert.True((await users.AddOrUpdatePasskeyAsync(stored, passkey)).Succeeded);
        });
        return credentialId;
    }

    private Task<int> PasskeyCountAsync(string userId) =>
        server.WithDbAsync(db => db.Set<IdentityUserPasskey<string>>().CountAsync(p => p.UserId == userId, Cancel));

    private Task<List<byte[]>> PasskeyIdsAsync(string userId) =>
        server.WithDbAsync(db => db.Set<IdentityUserPasskey<string>>().Where(p => p.UserId == userId).Select(p => p.CredentialId).ToListAsync(Cancel));

    /// <summary>The user's passkeys as Identity reads them: name by credential id (hex).</summary>
    private async Task<Dictionary<string, string?>> PasskeyNamesAsync(string userId)
    {
        var names = new Dictionary<string, string?>(StringComparer.Ordinal);
        await server.WithUsersAsync(async users =>
        {
            foreach (var passkey in await users.GetPasskeysAsync((await users.FindByIdAsync(userId))!))
            {
                names[Convert.ToHexString(passkey.CredentialId)] = passkey.Name;
            }
        });
        return names;
    }

    private static async Task<string> OpenAsync(BrowserClient browser, string path = "/account")
    {
        using var response = await browser.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return html;
    }

    /// <summary>Posts a form of the page as the browser would: with the antiforgery token of the page it just opened.</summary>
    private static async Task<HttpResponseMessage> PostFromPageAsync(BrowserClient browser, string action, params (string Name, string Value)[] fields) =>
        await PostAsync(browser, action, TokenOf(await OpenAsync(browser)), fields);

    private static async Task<HttpResponseMessage> PostAsync(BrowserClient browser, string action, string? token, params (string Name, string Value)[] fields)
    {
        var form = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
        if (token is not null)
        {
            form.Add(new("__RequestVerificationToken", token));
        }

        using var content = new FormUrlEncodedContent(form);
        return await browser.Http.PostAsync(new Uri(action, UriKind.Relative), content, Cancel);
    }

    /// <summary>Fields that would end <paramref name="target"/>'s session or chain, or change the password, were the post accepted.</summary>
    private static (string, string)[] Fields(string action, Device target) =>
    [
        ("id", action == "/account/chains/end" ? target.ChainId : target.SessionId), ("current", TestUsers.Password), ("new", NewPassword), ("repeat", NewPassword), ("name", "renamed"),
    ];

    private static void AssertRedirect(string location, HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
    }

    /// <summary>The antiforgery refusal: a 400 problem, not the page.</summary>
    private static void AssertFormRefused(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A refused action: the page again, with a 400 and its error.</summary>
    private static async Task AssertActionRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"account-error\"", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    /// <summary>The refusal to remove the user's last way to sign in.</summary>
    private static async Task AssertLastWayInKeptAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Contains("id=\"account-error\"", html, StringComparison.Ordinal);
        Assert.Contains("This is your only way to sign in", html, StringComparison.Ordinal);
    }

    private async Task<FeedClient> NewFeedAsync()
    {
        var feed = new FeedClient(_http);
        await feed.CreateStreamAsync();
        return feed;
    }

    /// <summary>The session-revoked event the feed serves about <paramref name="sessionId"/> (a browser session or a chain) of the user, if any.</summary>
    private static async Task<JsonElement?> RevocationAsync(FeedClient feed, string userId, string sessionId)
    {
        foreach (var set in (await feed.SetsAsync(new { maxEvents = 1000, returnImmediately = true })).Values)
        {
            var claims = await feed.VerifyAsync(set);
            var subject = claims.GetProperty("sub_id");
            if (subject.TryGetProperty("session", out var session) && session.GetProperty("id").GetString() == sessionId
                && subject.GetProperty("user").GetProperty("sub").GetString() == userId
                && claims.GetProperty("events").TryGetProperty(EventTypes.SessionRevoked, out var revoked))
            {
                return revoked;
            }
        }

        return null;
    }

    private static string TokenOf(string html)
    {
        var match = AntiforgeryField().Match(html);
        Assert.True(match.Success, "The account page has no antiforgery field.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private static List<string> SessionIds(string html) => [.. SessionId().Matches(html).Select(m => m.Groups[1].Value)];

    private static string CurrentSessionId(string html) => Assert.Single(CurrentSession().Matches(html)).Groups[1].Value;

    private static List<string> ChainIds(string html) => [.. ChainId().Matches(html).Select(m => m.Groups[1].Value)];

    private static bool EndOthersDisabled(string html)
    {
        var button = EndOthersButton().Match(html);
        Assert.True(button.Success, "The page has no end-others button.");
        return button.Value.Contains(" disabled", StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("data-session-id=\"([^\"]+)\"")]
    private static partial Regex SessionId();

    [GeneratedRegex("<li data-session-id=\"([^\"]+)\" class=\"current\">")]
    private static partial Regex CurrentSession();

    [GeneratedRegex("data-chain-id=\"([^\"]+)\"")]
    private static partial Regex ChainId();

    [GeneratedRegex("<button[^>]*id=\"end-others\"[^>]*>")]
    private static partial Regex EndOthersButton();

    /// <summary>The Development server, asking for a sign-in within the least time Account:ConfirmWithin allows.</summary>
    public sealed class Server : AuthServerFactory
    {
        public Server() => Set("Account:ConfirmWithin", "00:01:00");
    }
}
