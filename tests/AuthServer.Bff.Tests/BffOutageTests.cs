using System.Net;
using AuthServer.Bff.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Bff.Tests;

/// <summary>An authorization server that does not answer is a 424 problem the SPA can show, and the session survives it.</summary>
public sealed class BffOutageTests
{
    [Fact]
    public async Task A_refresh_while_the_server_is_down_is_a_424_problem_and_the_session_is_kept()
    {
        await using var system = await BffSystem.StartAsync();
        using var browser = new HttpBrowser();
        await browser.SignInAsync(system.Bff.Address, "alice", TestUsers.AlicePassword);

        await system.AuthServer.DisposeAsync();
        system.Bff.Clock.Advance(TimeSpan.FromMinutes(15));
        using var api = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(system.Bff.Address, "/api/me").AbsoluteUri));
        await BffSessionTests.AssertProblemAsync(api, HttpStatusCode.FailedDependency, Bff.BffProblems.AuthorityUnavailable);

        using var user = await browser.SendAsync(Spa.Call(HttpMethod.Get, new Uri(system.Bff.Address, "/bff/user").AbsoluteUri));
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        Assert.Single(await system.Bff.SessionKeysAsync());
    }

    [Fact]
    public async Task Login_while_the_server_is_down_is_a_424_problem()
    {
        await using var system = await BffSystem.StartAsync();
        var settings = system.BffSettings(system.ResourceApi);
        settings["Bff:Authority"] = $"http://localhost:{BffSystem.DeadPort}/";
        await using var orphan = new BffHost(RunningProcess.FreePort(), system.Issuer, settings);
        orphan.StartServer();

        using var browser = new HttpBrowser();
        using var response = await browser.GetAsync(new Uri(orphan.Address, "/bff/login"));
        await BffSessionTests.AssertProblemAsync(response, HttpStatusCode.FailedDependency, Bff.BffProblems.AuthorityUnavailable);

        // What is not a signed JWT in an allowed algorithm is refused without asking the (unreachable) authority.
        using var http = new HttpClient();
        foreach (var garbage in new[] { "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "not-a-token" })
        {
            using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["logout_token"] = garbage });
            using var notice = await http.PostAsync(new Uri(orphan.Address, "/bff/backchannel-logout"), content, TestContext.Current.CancellationToken);
            await BffSessionTests.AssertProblemAsync(notice, HttpStatusCode.BadRequest, Bff.BffProblems.BadLogoutToken);
        }
    }
}
