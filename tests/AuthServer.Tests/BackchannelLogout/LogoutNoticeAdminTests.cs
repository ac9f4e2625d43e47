using System.Net;
using System.Text.Json;
using AuthServer.Contracts;
using AuthServer.Persistence;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>An operator sees which relying parties never hear of ended sessions: admin API and CLI.</summary>
public sealed class LogoutNoticeAdminTests(AdminServerFactory server) : IClassFixture<AdminServerFactory>
{
    private readonly AdminClient _admin = new(server.CreateClient());

    [Fact]
    public async Task Pending_abandoned_and_delivered_notices_are_counted_per_client_and_listed_by_state()
    {
        var deaf = "deaf-" + Guid.NewGuid().ToString("N")[..8];
        var now = server.Clock.GetUtcNow().UtcDateTime;
        await server.WithDbAsync(async db =>
        {
            db.BackchannelLogoutNotices.AddRange(
                Notice(deaf, now.AddMinutes(-30), attempts: 8, lastError: "503", abandonedAt: now.AddMinutes(-1)),
                Notice(deaf, now.AddMinutes(-5), attempts: 2, lastError: "HttpRequestException"),
                Notice(deaf, now.AddMinutes(-2), attempts: 0),
                Notice(deaf, now.AddMinutes(-60), attempts: 1, deliveredAt: now.AddMinutes(-59)));
            return await db.SaveChangesAsync();
        });

        var summary = (await _admin.OkAsync(HttpMethod.Get, "/admin/logout-notices")).EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == deaf);
        Assert.Equal(2, summary.GetProperty("pending").GetInt32());
        Assert.Equal(1, summary.GetProperty("abandoned").GetInt32());
        Assert.Equal(1, summary.GetProperty("delivered").GetInt32());
        Assert.Equal("HttpRequestException", summary.GetProperty("lastError").GetString());

        var abandoned = await _admin.OkAsync(HttpMethod.Get, $"/admin/logout-notices/abandoned?clientId={deaf}");
        var row = Assert.Single(abandoned.GetProperty("items").EnumerateArray());
        Assert.Equal("503", row.GetProperty("lastError").GetString());
        Assert.Equal(8, row.GetProperty("attempts").GetInt32());
        Assert.Equal(2, (await _admin.OkAsync(HttpMethod.Get, $"/admin/logout-notices/pending?clientId={deaf}")).GetProperty("total").GetInt32());

        var (status, problem) = await _admin.SendAsync(HttpMethod.Get, "/admin/logout-notices/lost");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.TryGetProperty("errors", out _), problem.ToString());

        var (code, table, error) = await RunCliAsync("logout-notices");
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains(table.Split('\n'), line => line.StartsWith(deaf, StringComparison.Ordinal) && line.Contains("HttpRequestException", StringComparison.Ordinal));
        var (_, json, _) = await RunCliAsync("logout-notices", "--state", "abandoned", "--client", deaf, "--json");
        Assert.Equal("503", JsonDocument.Parse(json).RootElement.GetProperty("items")[0].GetProperty("lastError").GetString());
        Assert.Equal(ExitCodes.Usage, (await RunCliAsync("logout-notices", "--state", "lost")).Code);
    }

    private static BackchannelLogoutNotice Notice(string clientId, DateTime created, int attempts, string? lastError = null, DateTime? abandonedAt = null, DateTime? deliveredAt = null) => new()
    {
        Id = Guid.CreateVersion7(),
        ClientId = clientId,
        Uri = "https://deaf.example.test/backchannel-logout",
        Subject = Guid.NewGuid().ToString(),
        SessionId = Guid.NewGuid().ToString("N"),
        CreatedAt = created,
        NextAttemptAt = created.AddMinutes(attempts),
        Attempts = attempts,
        LastError = lastError,
        AbandonedAt = abandonedAt,
        DeliveredAt = deliveredAt,
    };

    private async Task<(int Code, string Output, string Error)> RunCliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new StringReader("");
        var code = await Cli.Cli.RunAsync([.. args, "--client-id", TokenClient.Ops, "--client-secret", TokenClient.OpsSecret], output, error, server.CreateClient(), _ => null, input);
        return (code, output.ToString(), error.ToString());
    }
}
