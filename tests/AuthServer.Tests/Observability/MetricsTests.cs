using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

public sealed class MetricsTests : IClassFixture<MetricsTests.Server>
{
    private readonly Server _server;
    private readonly TokenClient _client;

    public MetricsTests(Server server)
    {
        _server = server;
        _client = new(server.CreateClient());
    }

    [Fact]
    public async Task Metrics_count_grants_failures_replays_revocations_and_table_size_in_prometheus_format()
    {
        var user = await _server.CreateUserAsync();
        var first = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        (await _client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        await _client.PasswordAsync(user.UserName!, "Wrong-Guess-1234");
        _server.Clock.Advance(TimeSpan.FromSeconds(31));
        await _client.RefreshAsync(first.RefreshToken!);
        var admin = new AdminClient(_server.CreateClient());
        await admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.Id}/revoke-tokens");
        await admin.OkAsync(HttpMethod.Post, "/admin/prune");

        var text = await ScrapeAsync();

        AssertSample(text, "authserver_tokens_issued_total", "grant_type=\"password\"", positive: true);
        AssertSample(text, "authserver_tokens_issued_total", "grant_type=\"refresh_token\"", positive: true);
        AssertSample(text, "authserver_tokens_issued_total", "grant_type=\"client_credentials\"", positive: true);
        AssertSample(text, "authserver_signin_failures_total", "", positive: true);
        AssertSample(text, "authserver_refresh_replays_total", "", positive: true);
        AssertSample(text, "authserver_tokens_revoked_total", "source=\"admin\"", positive: false);
        AssertSample(text, "authserver_tokens_rows", "", positive: false);
    }

    private static void AssertSample(string text, string metric, string label, bool positive)
    {
        var pattern = $@"^{metric}\{{[^}}]*{Regex.Escape(label)}[^}}]*\}} (?<value>\d+)";
        var match = Regex.Match(text, pattern, RegexOptions.Multiline);
        Assert.True(match.Success, $"No sample {metric} {label} in:\n{text}");
        Assert.True(!positive || long.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture) > 0, match.Value);
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await _client.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public sealed class Server : AuthServerFactory
    {
        public Server() => Set("Metrics:Enabled", "true");
    }
}

public sealed class MetricsDisabledTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    [Fact]
    public async Task Without_configuration_there_is_no_metrics_endpoint()
    {
        using var response = await server.CreateClient().GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
