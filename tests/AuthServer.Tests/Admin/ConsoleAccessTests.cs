using System.Net;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>The console exists only when configured, and sends a stranger to the login page rather than showing anything.</summary>
public sealed class ConsoleAccessTests
{
    [Fact]
    public async Task Without_console_enabled_its_paths_do_not_exist()
    {
        await using var server = new AuthServerFactory();
        using var http = server.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        foreach (var path in new[] { "/console", "/console/users", "/console/keys" })
        {
            using var answer = await http.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        }
    }

    [Fact]
    public async Task A_stranger_is_sent_to_sign_in_and_shown_nothing()
    {
        await using var server = new AuthServerFactory().Set("Console:Enabled", "true");
        using var http = server.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var answer = await http.GetAsync("/console/users?q=ali", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.StartsWith("/account/login?returnUrl=%2Fconsole%2Fusers", answer.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    /// <summary>
    /// An operator's console left alone past Console:IdleTimeout asks for a fresh sign-in (their login session lives on),
    /// while one in use stays open past Account:ConfirmWithin. Test clock: the timeout's minimum is a minute, and the
    /// browser tests meet the console on the wall clock.
    /// </summary>
    [Fact]
    public async Task A_console_left_idle_asks_for_a_fresh_sign_in_and_one_in_use_stays_open()
    {
        await using var server = new AuthServerFactory().Set("Console:Enabled", "true").Set("Console:IdleTimeout", "00:10:00");
        using var browser = new BrowserClient(server);
        using (var signedIn = await browser.PostLoginAsync("/account/login?returnUrl=%2Fconsole", "alice", TestUsers.AlicePassword))
        {
            Assert.Equal("/console", signedIn.Headers.Location!.OriginalString);
        }

        // In use every 6 minutes: past the 5-minute confirmation window, never idle for 10.
        for (var visit = 0; visit < 3; visit++)
        {
            using var page = await browser.GetAsync("/console");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            server.Clock.Advance(TimeSpan.FromMinutes(6));
        }

        server.Clock.Advance(TimeSpan.FromMinutes(5));
        using var idle = await browser.GetAsync("/console/users");
        Assert.Equal(HttpStatusCode.Redirect, idle.StatusCode);
        Assert.StartsWith("/account/login?returnUrl=%2Fconsole%2Fusers&confirm=1", idle.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }
}
