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
}
