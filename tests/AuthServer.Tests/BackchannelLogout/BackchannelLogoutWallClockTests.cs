using System.Diagnostics;
using AuthServer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests;

/// <summary>
/// The back-channel sender on the wall clock with its default poll interval (2 s), where the other logout tests move a
/// test clock: what a client meets in a real deployment after an operator ends a session.
/// </summary>
public sealed class BackchannelLogoutWallClockTests
{
    [Fact]
    public async Task An_ended_session_reaches_the_client_within_seconds_in_real_time()
    {
        await using var receiver = await LogoutReceiver.StartAsync();
        using var server = new AuthServerFactory { WallClock = true };
        server.Set("Catalog:Clients:spa:BackchannelLogoutUri", receiver.Uri.AbsoluteUri);
        var user = await server.CreateUserAsync();
        using var browser = new BrowserClient(server);
        var sid = new JsonWebToken((await browser.CodeFlowAsync(user.UserName!, TestUsers.Password)).ShouldSucceed().Get("id_token")).GetClaim("sid").Value;

        var watch = Stopwatch.StartNew();
        await new AdminClient(server.CreateClient()).OkAsync(HttpMethod.Delete, $"/admin/sessions/{sid}");
        await Eventually.TrueAsync(() => receiver.Received.Any(token => new JsonWebToken(token).GetClaim("sid").Value == sid),
            "The logout token never reached the client", TimeSpan.FromSeconds(15));

        // The sender polls every 2 s; the margin is for a loaded machine.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"Delivered after {watch.Elapsed.TotalSeconds:0.0} s; the sender polls every 2 s.");
    }
}
