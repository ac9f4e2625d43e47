using System.Net;
using System.Text.Json;
using AuthServer.Contracts;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>The operator tool's entry point against the live server: output, exit codes, and the effect on tokens.</summary>
public sealed class CliTests(AdminServerFactory server) : IClassFixture<AdminServerFactory>
{
    private readonly TokenClient _client = new(server.CreateClient());

    [Fact]
    public async Task Revoke_user_prints_the_counts_and_the_users_tokens_stop_working()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var (code, output, error) = await RunAsync("revoke", "--user", user.UserName!);

        Assert.True(code == ExitCodes.Success, error);
        Assert.Equal($"Revoked 1 token(s) and 1 session(s) of user {user.UserName}.", output.Trim());
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Sessions_prints_a_table_and_json_for_scripts_and_revoke_session_ends_one()
    {
        var user = await server.CreateUserAsync();
        var laptop = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var phone = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var (code, table, _) = await RunAsync("sessions", "--user", user.Email!);
        Assert.Equal(ExitCodes.Success, code);
        Assert.StartsWith("SESSION", table, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 1 (2 in all).", table, StringComparison.Ordinal);

        var (_, json, _) = await RunAsync("sessions", "--user", user.Id, "--json");
        var ids = JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
        Assert.Equal(2, ids.Count);

        Assert.Equal(ExitCodes.Success, (await RunAsync("revoke-session", ids[0])).Code);
        var results = new[] { await _client.RefreshAsync(laptop.RefreshToken!), await _client.RefreshAsync(phone.RefreshToken!) };
        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
    }

    [Fact]
    public async Task Users_lifecycle_lock_unlock_and_prune_succeed_with_exit_code_zero()
    {
        var name = $"dave-{Guid.NewGuid():N}"[..12];
        Assert.Equal(ExitCodes.Success, (await RunAsync("users", "create", "--name", name, "--email", $"{name}@example.test", "--password", TestUsers.Password)).Code);
        var (_, list, _) = await RunAsync("users", "list", "--search", name);
        Assert.Contains(name, list, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Success, (await RunAsync("lock", "--user", name)).Code);
        Assert.Contains("locked", (await RunAsync("users", "list", "--search", name)).Output, StringComparison.Ordinal);
        (await _client.PasswordAsync(name, TestUsers.Password)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal(ExitCodes.Success, (await RunAsync("unlock", "--user", name)).Code);
        Assert.Equal(ExitCodes.Success, (await RunAsync("users", "reset-password", "--user", name, "--password", "Another-Pass-777")).Code);
        (await _client.PasswordAsync(name, "Another-Pass-777")).ShouldSucceed();
        Assert.Equal(ExitCodes.Success, (await RunAsync("users", "delete", "--user", name)).Code);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("users", "delete", "--user", name)).Code);

        var (code, pruned, _) = await RunAsync("prune", "--json");
        Assert.Equal(ExitCodes.Success, code);
        Assert.True(JsonDocument.Parse(pruned).RootElement.TryGetProperty("tokens", out _));
        Assert.Contains("KID", (await RunAsync("keys", "list")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passwords_come_from_standard_input_and_json_prints_the_typed_answers()
    {
        var name = $"erin-{Guid.NewGuid():N}"[..12];
        var (code, created, error) = await RunAsync(["users", "create", "--name", name, "--password-stdin", "--json"], input: "Standard-Input-777\n");
        Assert.True(code == ExitCodes.Success, error);
        Assert.Equal(name, JsonDocument.Parse(created).RootElement.GetProperty("userName").GetString());
        (await _client.PasswordAsync(name, "Standard-Input-777")).ShouldSucceed();

        Assert.Equal(ExitCodes.Success, (await RunAsync(["users", "reset-password", "--user", name, "--password-stdin"], input: "Reset-From-Stdin-888")).Code);
        (await _client.PasswordAsync(name, "Reset-From-Stdin-888")).ShouldSucceed();
        (await _client.PasswordAsync(name, "Standard-Input-777")).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");

        var locked = JsonDocument.Parse((await RunAsync("lock", "--user", name, "--json")).Output).RootElement;
        Assert.Equal("locked", locked.GetProperty("status").GetString());
        var keys = JsonDocument.Parse((await RunAsync("keys", "list", "--json")).Output).RootElement;
        Assert.NotEmpty(keys.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()));
    }

    [Fact]
    public async Task Revoke_client_reaches_every_session_of_the_client()
    {
        var tokens = (await _client.PasswordAsync((await server.CreateUserAsync()).UserName!, TestUsers.Password)).ShouldSucceed();

        var (code, output, _) = await RunAsync("revoke", "--client", "spa");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("of client spa", output, StringComparison.Ordinal);
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task An_unknown_user_exits_5_with_the_servers_message()
    {
        var (code, output, error) = await RunAsync("revoke", "--user", "no-such-user");

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Empty(output);
        Assert.Contains("Unknown user", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_exit_4_and_a_client_without_the_ops_scope_exits_4()
    {
        var (wrong, _, wrongError) = await RunAsync(["revoke", "--user", "bob"], TokenClient.Ops, "not-the-secret");
        var (auditor, _, auditorError) = await RunAsync(["revoke", "--user", "bob"], AdminServerFactory.Auditor, AdminServerFactory.AuditorSecret);

        Assert.Equal(ExitCodes.Unauthorized, wrong);
        Assert.Contains("invalid_client", wrongError, StringComparison.Ordinal);
        Assert.True(auditor == ExitCodes.Unauthorized, auditorError);
        Assert.Contains("ops", auditorError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_exits_3_and_missing_settings_or_typos_exit_64()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var unreachable = await Cli.Cli.RunAsync(
            ["prune", "--url", "http://127.0.0.1:9/", "--client-id", "ops", "--client-secret", "x"], output, error, http: null, environment: _ => null);
        Assert.Equal(ExitCodes.Unavailable, unreachable);
        Assert.Contains("cannot reach the server at http://127.0.0.1:9/", error.ToString(), StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Usage, await Cli.Cli.RunAsync(["prune"], output, error, http: null, environment: _ => null));
        Assert.Equal(ExitCodes.Usage, (await RunAsync("revoke")).Code);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("revoke", "--user", "a", "--client", "b")).Code);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("frobnicate")).Code);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("sessions", "--user", "alice", "--page", "x")).Code);
        Assert.Equal(ExitCodes.Rejected, (await RunAsync("sessions", "--user", "alice", "--page-size", "0")).Code);
        Assert.Equal(ExitCodes.Success, (await RunAsync("--help")).Code);
    }

    // The CLI sends the ops secret; over plain http only the local machine may hear it.
    [Theory]
    [InlineData("http://auth.example.test/")]
    [InlineData("http://10.0.0.5:8080")]
    [InlineData("HTTP://Auth.Example.Test:80/admin")]
    public async Task Plain_http_to_anything_but_loopback_is_refused_before_the_secret_is_sent(string url)
    {
        using var handler = new CountingHandler();
        using var http = new HttpClient(handler);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Cli.Cli.RunAsync(["prune", "--url", url, "--client-id", "ops", "--client-secret", "x"], output, error, http, _ => null);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("https", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, handler.Requests);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/")]
    [InlineData("http://[::1]:9/")]
    [InlineData("http://localhost:9/")]
    public async Task Plain_http_to_loopback_is_allowed(string url)
    {
        using var handler = new CountingHandler();
        using var http = new HttpClient(handler);
        using var output = new StringWriter();
        using var error = new StringWriter();

        await Cli.Cli.RunAsync(["prune", "--url", url, "--client-id", "ops", "--client-secret", "x"], output, error, http, _ => null);

        Assert.Equal(1, handler.Requests);
    }

    [Fact]
    public async Task Settings_come_from_the_environment_when_not_given_as_arguments()
    {
        var settings = new Dictionary<string, string?>
        {
            [Cli.Cli.ClientIdVariable] = TokenClient.Ops,
            [Cli.Cli.ClientSecretVariable] = TokenClient.OpsSecret,
        };
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Cli.Cli.RunAsync(["users", "list", "--search", "bob"], output, error, server.CreateClient(), name => settings.GetValueOrDefault(name));

        Assert.True(code == ExitCodes.Success, error.ToString());
        Assert.Contains("bob@example.com", output.ToString(), StringComparison.Ordinal);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(args, TokenClient.Ops, TokenClient.OpsSecret);

    private async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string clientId = TokenClient.Ops, string secret = TokenClient.OpsSecret, string input = "")
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var code = await Cli.Cli.RunAsync([.. args, "--client-id", clientId, "--client-secret", secret], output, error, server.CreateClient(), _ => null, reader);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Counts what the CLI would have sent, and answers like an unreachable server.</summary>
    private sealed class CountingHandler : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            throw new HttpRequestException("Nothing listens here.");
        }
    }
}
