using AuthServer.Tests.Infrastructure;
using Serilog.Events;

namespace AuthServer.Tests;

/// <summary>With every logger at Verbose, no token, code, secret or password appears in any log event.</summary>
public sealed class LogRedactionTests(LogRedactionTests.VerboseServer server) : IClassFixture<LogRedactionTests.VerboseServer>
{
    /// <summary>Every logger at Verbose, OpenIddict's too (the test kit's servers leave OpenIddict at Information).</summary>
    public sealed class VerboseServer : AuthServerFactory
    {
        public VerboseServer() => Set("Serilog:MinimumLevel:Override:OpenIddict", "Verbose");
    }

    private readonly TokenClient _client = new(server.CreateClient());

    [Fact]
    public async Task No_token_secret_or_password_reaches_a_log_event()
    {
        var user = await server.CreateUserAsync();
        var issued = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var refreshed = (await _client.RefreshAsync(issued.RefreshToken!)).ShouldSucceed();
        var client = (await _client.ClientCredentialsAsync()).ShouldSucceed();
        await _client.PasswordAsync(user.UserName!, "Wrong-Guess-9876!");
        await _client.ClientCredentialsAsync("Wrong-Secret-5432");
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        await _client.RefreshAsync(issued.RefreshToken!);

        string[] secrets =
        [
            issued.AccessToken!, issued.RefreshToken!, issued.Get("id_token")!, refreshed.AccessToken!, refreshed.RefreshToken!,
            client.AccessToken!, TestUsers.Password, "Wrong-Guess-9876!", TokenClient.OpsSecret, "Wrong-Secret-5432", user.SecurityStamp!,
        ];
        var events = server.LogEvents.ToList();
        Assert.True(events.Count > 20, $"Only {events.Count} events were captured; the sink is not wired.");
        Assert.Contains(events, e => e.Level == LogEventLevel.Verbose || e.Level == LogEventLevel.Debug);

        foreach (var logEvent in events)
        {
            var rendered = Render(logEvent);
            foreach (var secret in secrets)
            {
                // The signature part alone is enough to identify a leaked JWT, and short enough to catch a truncated one.
                var probe = secret.Contains('.', StringComparison.Ordinal) ? secret.Split('.')[^1] : secret;
                Assert.False(rendered.Contains(probe, StringComparison.Ordinal), $"A secret leaked into a log event: {logEvent.MessageTemplate.Text}");
            }
        }
    }

    [Fact]
    public async Task Audit_events_name_the_grant_client_and_subject()
    {
        var user = await server.CreateUserAsync();
        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var issued = server.LogEvents.Where(e => LogEventIds.Of(e) == 2001).Select(Render).ToList();
        Assert.Contains(issued, text => text.Contains(user.Id, StringComparison.Ordinal) && text.Contains("password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_events_carry_the_client_address()
    {
        var user = await server.CreateUserAsync();
        await _client.PasswordAsync(user.UserName!, "Wrong-Guess-9876!");

        var failed = Assert.Single(server.LogEvents, e => LogEventIds.Of(e) == 2002 && Render(e).Contains(user.Id, StringComparison.Ordinal));
        // The in-memory test server has no connection address; real processes are covered by ForwardedHeadersTests.
        Assert.True(failed.Properties.TryGetValue("ClientAddress", out var address), "The audit event has no ClientAddress.");
        Assert.Equal("unknown", ((ScalarValue)address).Value);
    }

    private static string Render(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        logEvent.RenderMessage(writer, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var property in logEvent.Properties)
        {
            writer.Write(' ');
            property.Value.Render(writer, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        writer.Write(logEvent.Exception?.ToString());
        return writer.ToString();
    }
}
