using System.Globalization;
using AuthServer.Tests.Infrastructure;
using Serilog.Events;

namespace AuthServer.Tests;

/// <summary>Every revocation path writes its audit event (stable ids 2005-2010) and no event carries a token, secret or password.</summary>
public sealed class RevocationAuditTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    private readonly TokenClient _client = new(server.CreateClient());
    private readonly AdminClient _admin = new(server.CreateClient());

    [Fact]
    public async Task Revocation_and_admin_events_have_their_ids_and_carry_no_secret()
    {
        const string CreatedPassword = "Created-Pass-2468!";
        const string ResetPassword = "Reset-Pass-1357!";
        var user = await server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var second = (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        server.Clock.Advance(TimeSpan.FromSeconds(31));
        await _client.RefreshAsync(first.RefreshToken!);

        var other = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        using (await AdminClient.RevokeAsync(_client.Http, other.RefreshToken!, TokenClient.Spa))
        {
        }

        var operatorToken = (await _client.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        var created = await _admin.OkAsync(HttpMethod.Post, "/admin/users", new { userName = "audited-user", email = "audited@example.test", password = CreatedPassword });
        var createdId = created.GetProperty("id").GetString()!;
        var session = (await _client.PasswordAsync("audited-user", CreatedPassword)).ShouldSucceed();
        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{createdId}/reset-password", new { password = ResetPassword });
        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");
        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{createdId}/lock");
        await _admin.OkAsync(HttpMethod.Post, "/admin/prune");

        var events = server.LogEvents.ToList();
        foreach (var id in new[] { 2005, 2006, 2007, 2008, 2009, 2010 })
        {
            Assert.Contains(events, e => LogEventIds.Of(e) == id);
        }

        Assert.Contains(events, e => LogEventIds.Of(e) == 2005 && Render(e).Contains(user.Id, StringComparison.Ordinal));
        Assert.Contains(events, e => LogEventIds.Of(e) == 2009 && Render(e).Contains("user-locked", StringComparison.Ordinal) && Render(e).Contains("ops", StringComparison.Ordinal));

        string[] secrets =
        [
            first.RefreshToken!, second.RefreshToken!, other.RefreshToken!, session.RefreshToken!, first.AccessToken!, operatorToken,
            TestUsers.Password, CreatedPassword, ResetPassword, TokenClient.OpsSecret,
        ];
        foreach (var logEvent in events)
        {
            var rendered = Render(logEvent);
            foreach (var secret in secrets)
            {
                var probe = secret.Contains('.', StringComparison.Ordinal) ? secret.Split('.')[^1] : secret;
                Assert.False(rendered.Contains(probe, StringComparison.Ordinal), $"A secret leaked into a log event: {logEvent.MessageTemplate.Text}");
            }
        }
    }

    private static string Render(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        logEvent.RenderMessage(writer, CultureInfo.InvariantCulture);
        foreach (var property in logEvent.Properties)
        {
            writer.Write(' ');
            property.Value.Render(writer, formatProvider: CultureInfo.InvariantCulture);
        }

        writer.Write(logEvent.Exception?.ToString());
        return writer.ToString();
    }
}
