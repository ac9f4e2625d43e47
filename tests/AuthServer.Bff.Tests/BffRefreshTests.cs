using System.Net;
using AuthServer.Bff.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Bff.Tests;

/// <summary>
/// Refresh rotation seen from the BFF: one refresh per session however many requests (and instances) need it, a
/// revoked chain signs the session out, a session the server ended is ended here too, an absent server is a 424.
/// </summary>
public sealed class BffRefreshTests : IAsyncLifetime
{
    private BffSystem _system = null!;

    public async ValueTask InitializeAsync() => _system = await BffSystem.StartAsync(instances: 2);

    public async ValueTask DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Many_concurrent_calls_across_the_access_token_expiry_cause_exactly_one_refresh()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_system.Bff.Address, "alice", TestUsers.AlicePassword);
        var before = _system.RefreshesAtServer();
        var firstToken = await AccessTokenAsync(_system.Bff);

        PastExpiry();
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => CallApiAsync(browser, _system.Bff)));

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(1, _system.RefreshesAtServer() - before);
        Assert.NotEqual(firstToken, await AccessTokenAsync(_system.Bff));
        Assert.DoesNotContain(_system.AuthServer.LogEvents, e => LogEventIds.Of(e) == 2005);

        // Everything the BFF logged at Trace, through sign-in, proxying and refresh: no token, no session key.
        var ticket = await TicketAsync(_system.Bff);
        string[] secrets = [firstToken, .. new[] { "access_token", "refresh_token", "id_token" }.Select(name => ticket.Properties.GetTokenValue(name)!),
            .. await _system.Bff.SessionKeysAsync(), BffSystem.ClientSecret];
        Assert.Contains(_system.Bff.Logs, line => line.Contains(" 3002: ", StringComparison.Ordinal));
        Assert.DoesNotContain(_system.Bff.Logs, line => secrets.Any(secret => line.Contains(secret, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Concurrent_calls_on_two_instances_still_cause_exactly_one_refresh()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_system.Bffs[0].Address, "bob", TestUsers.BobPassword);
        browser.ShareCookies(_system.Bffs[0].Address, _system.Bffs[1].Address);
        var before = _system.RefreshesAtServer();

        PastExpiry();
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => CallApiAsync(browser, _system.Bffs[i % 2])));

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(1, _system.RefreshesAtServer() - before);

        // The rotated chain is intact: a replay would have revoked it and the next refresh would fail.
        Assert.DoesNotContain(_system.AuthServer.LogEvents, e => LogEventIds.Of(e) == 2005);
        PastExpiry();
        Assert.Equal(HttpStatusCode.OK, await CallApiAsync(browser, _system.Bffs[1]));
        Assert.Equal(2, _system.RefreshesAtServer() - before);
    }

    [Fact]
    public async Task A_refresh_token_revoked_by_an_operator_signs_the_bff_session_out_at_its_next_use()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_system.Bff.Address, "bob", TestUsers.BobPassword);
        var subject = (await TicketAsync(_system.Bff)).Principal.FindFirst("sub")!.Value;

        using (var http = _system.AuthServer.Http())
        {
            await new AdminClient(http).OkAsync(HttpMethod.Post, $"/admin/users/{subject}/revoke-tokens");
        }

        PastExpiry();
        using var api = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(_system.Bff.Address, "/api/me").AbsoluteUri));
        await BffSessionTests.AssertProblemAsync(api, HttpStatusCode.Unauthorized, Bff.BffProblems.SessionEnded);
        Assert.Contains(browser.SetCookies, c => c.Cookie.Name == "__Host-bff" && c.Cookie.Value.Length == 0);
        Assert.DoesNotContain(subject, await SubjectsAsync());
        using var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(_system.Bff.Address, "/bff/user").AbsoluteUri));
        Assert.Equal(HttpStatusCode.Unauthorized, user.StatusCode);
    }

    [Fact]
    public async Task A_session_ended_at_the_server_ends_the_bff_session_through_back_channel_logout()
    {
        using var browser = new HttpBrowser();
        await browser.SignInAsync(_system.Bff.Address, "alice", TestUsers.AlicePassword);
        var sid = (await TicketAsync(_system.Bff)).Principal.FindFirst("sid")!.Value;

        using (var http = _system.AuthServer.Http())
        {
            await new AdminClient(http).OkAsync(HttpMethod.Delete, $"/admin/sessions/{sid}");
        }

        // The server's sender runs on its clock: move it (a second per 200 ms, as before) until the notice is delivered (logged just after) and the row is gone.
        await Eventually.TrueAsync(
            async () => await SessionCountAsync(sid) == 0 && _system.AuthServer.LogEvents.Any(e => LogEventIds.Of(e) == 2014),
            "The back-channel logout never reached the BFF (session row still there or no delivery logged)",
            advancing: _system.AuthServer.Clock,
            step: TimeSpan.FromMilliseconds(250),
            within: TimeSpan.FromSeconds(30));

        Assert.Equal(0, await SessionCountAsync(sid));
        Assert.Contains(_system.AuthServer.LogEvents, e => LogEventIds.Of(e) == 2014);
        using var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(_system.Bff.Address, "/bff/user").AbsoluteUri));
        Assert.Equal(HttpStatusCode.Unauthorized, user.StatusCode);
    }

    private async Task<int> SessionCountAsync(string sid)
    {
        using var scope = _system.Bff.Services.CreateScope();
        var contexts = scope.ServiceProvider.GetRequiredService<IDbContextFactory<Bff.Sessions.SqliteBffDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Sessions.CountAsync(s => s.SessionId == sid);
    }

    private async Task<List<string>> SubjectsAsync()
    {
        using var scope = _system.Bff.Services.CreateScope();
        var contexts = scope.ServiceProvider.GetRequiredService<IDbContextFactory<Bff.Sessions.SqliteBffDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Sessions.Select(s => s.Subject).ToListAsync();
    }

    private void PastExpiry()
    {
        foreach (var bff in _system.Bffs)
        {
            bff.Clock.Advance(TimeSpan.FromMinutes(15));
        }
    }

    private static async Task<HttpStatusCode> CallApiAsync(HttpBrowser browser, BffHost bff)
    {
        using var response = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(bff.Address, "/api/me").AbsoluteUri));
        return response.StatusCode;
    }

    /// <summary>The newest session's ticket: each test signs in once, so the newest is its own.</summary>
    private static async Task<AuthenticationTicket> TicketAsync(BffHost bff)
    {
        var tickets = new List<AuthenticationTicket>();
        foreach (var key in await bff.SessionKeysAsync())
        {
            tickets.Add((await bff.TicketAsync(key))!);
        }

        return tickets.OrderByDescending(t => t.Properties.IssuedUtc).First();
    }

    private static async Task<string> AccessTokenAsync(BffHost bff) => (await TicketAsync(bff)).Properties.GetTokenValue("access_token")!;
}
