using System.Net;
using System.Text.Json;
using AuthServer.Contracts;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Keys;

/// <summary>
/// `keys list|rotate --now|revoke`: as server verbs on the database (a running instance follows within its refresh
/// interval) and in the operators' CLI over the admin API (this instance at once), audited with the operator's name.
/// </summary>
public sealed class KeyCommandsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan VerbPublicationDelay = TimeSpan.FromMinutes(5);
    private readonly AuthServerFactory _server = new AuthServerFactory().Set("Keys:Automatic", "true");

    [Fact]
    public async Task Server_verbs_work_on_the_database_and_a_running_instance_follows_within_its_refresh_interval()
    {
        var client = _server.CreateTokenClient();
        var user = (await _server.CreateUserAsync()).UserName!;
        var before = await KeyProbe.IssueAsync(client, user);

        // Standard output holds the JSON alone (the host's logs go to standard error), so a script can pipe it.
        var (code, output, json) = await VerbAsync("keys", "list", "--json");
        Assert.True(code == 0, output);
        var listed = Keys(json);
        Assert.Equal(3, listed.Count);
        Assert.All(listed, key => Assert.Equal("active", key.GetProperty("state").GetString()));
        Assert.Contains(listed, key => key.GetProperty("kid").GetString() == before.AccessKid && key.GetProperty("algorithm").GetString() == "ES256");

        (code, output, json) = await VerbAsync("keys", "rotate", "--now", "--use", "access", "--json");
        Assert.True(code == 0, output);
        var rotated = Assert.Single(Keys(json));
        // Published at once, signing after the publication delay, so that every API holds it first. The verb runs on the wall
        // clock, so its delay is minutes here: the default 5 s could pass before a loaded machine prints the key's state.
        Assert.Equal(("access", "announced"), (rotated.GetProperty("use").GetString(), rotated.GetProperty("state").GetString()));
        Assert.Equal(VerbPublicationDelay, rotated.GetProperty("activates").GetDateTime() - rotated.GetProperty("created").GetDateTime());

        (code, output, _) = await VerbAsync("keys", "revoke", before.EncryptionKid);
        Assert.True(code == 0, output);
        Assert.Contains("revoked", output, StringComparison.Ordinal);

        // The same codes as the CLI's below: one table for both tools.
        Assert.Equal(ExitCodes.NotFound, (await VerbAsync("keys", "revoke", "no-such-kid")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await VerbAsync("keys", "rotate")).ExitCode);

        // The running instance re-reads the keys at its next refresh (Keys:RefreshInterval, 2 s), and the key is due by then.
        _server.Clock.Advance(VerbPublicationDelay + TimeSpan.FromMinutes(2));
        await Eventually.TrueAsync(async () => (await KeyProbe.IssueAsync(client, user)).AccessKid == rotated.GetProperty("kid").GetString(),
            "the running instance never signed with the rotated key");
        var after = await KeyProbe.IssueAsync(client, user);
        Assert.NotEqual(before.EncryptionKid, after.EncryptionKid);
        (await client.RefreshAsync(before.RefreshToken)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        await client.ValidateAsync(before.AccessToken, "resource-api", _server.Clock.GetUtcNow());
        Assert.Contains(_server.LogEvents, e => LogEventIds.Of(e) == 4010 && e.RenderMessage().Contains(before.EncryptionKid, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_operators_cli_lists_rotates_and_revokes_through_the_admin_api_and_each_action_is_audited()
    {
        var client = _server.CreateTokenClient();
        var user = (await _server.CreateUserAsync()).UserName!;
        var before = await KeyProbe.IssueAsync(client, user);

        var (code, table, _) = await CliAsync("keys", "list");
        Assert.Equal(ExitCodes.Success, code);
        Assert.StartsWith("KID", table, StringComparison.Ordinal);
        Assert.Contains("Keys: automatic.", table, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Usage, (await CliAsync("keys", "rotate")).Code);
        (code, var json, var error) = await CliAsync("keys", "rotate", "--now", "--use", "identity", "--json");
        Assert.True(code == ExitCodes.Success, error);
        var rotated = Assert.Single(JsonDocument.Parse(json).RootElement.GetProperty("keys").EnumerateArray());
        var identity = rotated.GetProperty("kid").GetString();
        Assert.Equal("announced", rotated.GetProperty("state").GetString());
        Assert.Contains(identity, await KeyProbe.PublishedAsync(client));
        Assert.NotEqual(identity, (await KeyProbe.IssueAsync(client, user)).IdentityKid);

        // It signs once the publication delay is over: this instance wakes for it rather than at its next refresh.
        _server.Clock.Advance(TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(async () => (await KeyProbe.IssueAsync(client, user)).IdentityKid == identity, "the rotated key never signed");

        (code, _, error) = await CliAsync("keys", "revoke", before.IdentityKid);
        Assert.True(code == ExitCodes.Success, error);
        Assert.DoesNotContain(before.IdentityKid, await KeyProbe.PublishedAsync(client));
        Assert.Equal(ExitCodes.NotFound, (await CliAsync("keys", "revoke", "no-such-kid")).Code);

        (code, json, _) = await CliAsync("keys", "list", "--json");
        var states = JsonDocument.Parse(json).RootElement.GetProperty("keys").EnumerateArray()
            .ToDictionary(k => k.GetProperty("kid").GetString()!, k => k.GetProperty("state").GetString());
        Assert.Equal("revoked", states[before.IdentityKid]);
        Assert.Equal("active", states[identity!]);

        Assert.Contains(_server.LogEvents, e => LogEventIds.Of(e) == 4005 && e.RenderMessage().Contains("operator", StringComparison.Ordinal));
        Assert.Contains(_server.LogEvents, e => LogEventIds.Of(e) == 4004 && e.RenderMessage().Contains(before.IdentityKid, StringComparison.Ordinal));
        Assert.Contains(_server.LogEvents, e => LogEventIds.Of(e) == 2009 && e.RenderMessage().Contains("revoke-key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stranger_or_a_signed_in_user_cannot_rotate_or_revoke_keys()
    {
        // Revoking the encryption key would end every user's refresh tokens: the worst a stolen user token could do.
        var client = _server.CreateTokenClient();
        var user = (await _server.CreateUserAsync()).UserName!;
        var issued = await KeyProbe.IssueAsync(client, user);
        var published = await KeyProbe.PublishedAsync(client);
        var admin = new AdminClient(_server.CreateClient());
        string[] paths = ["/admin/keys/rotate", $"/admin/keys/{issued.EncryptionKid}/revoke", $"/admin/keys/{issued.AccessKid}/revoke"];

        foreach (var path in paths)
        {
            using var anonymous = await _server.CreateClient().PostAsync(path, null, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await admin.SendAsync(HttpMethod.Post, path, accessToken: issued.AccessToken)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await admin.SendAsync(HttpMethod.Post, path, accessToken: "not-a-token")).Status);
        }

        Assert.Equal(published, await KeyProbe.PublishedAsync(client));
        (await client.RefreshAsync(issued.RefreshToken)).ShouldSucceed();
    }

    [Fact]
    public async Task Keys_from_files_are_listed_but_not_rotated_or_revoked_by_command()
    {
        using var files = new AuthServerFactory();
        var admin = new AdminClient(files.CreateClient());

        var list = await admin.OkAsync(HttpMethod.Get, "/admin/keys");
        Assert.Equal("development-folder", list.GetProperty("source").GetString());
        Assert.Equal(3, list.GetProperty("keys").GetArrayLength());

        var (status, problem) = await admin.SendAsync(HttpMethod.Post, "/admin/keys/rotate");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("key files are rotated by hand", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        (status, _) = await admin.SendAsync(HttpMethod.Post, "/admin/keys/rotate", new { use = "everything" });
        Assert.Equal(HttpStatusCode.Conflict, status);
    }

    public void Dispose() => _server.Dispose();

    private static List<JsonElement> Keys(string json) =>
        [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(k => k.Clone())];

    private Task<(int ExitCode, string Output, string StandardOutput)> VerbAsync(params string[] args) => ServerProcess.RunVerbAsync(
        new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(_server.Folder, "auth.db")}",
            ["Keys__Automatic"] = "true",
            ["Keys__PublicationDelay"] = VerbPublicationDelay.ToString(),
            ["Serilog__MinimumLevel__Default"] = "Warning",
        },
        Timeout,
        args);

    private async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Cli.Cli.RunAsync([.. args, "--client-id", TokenClient.Ops, "--client-secret", TokenClient.OpsSecret], output, error, _server.CreateClient(), _ => null);
        return (code, output.ToString(), error.ToString());
    }
}
