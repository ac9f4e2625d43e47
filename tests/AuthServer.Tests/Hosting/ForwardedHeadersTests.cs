using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AuthServer.Tests;

/// <summary>
/// Behind a TLS-terminating proxy the server hears plain HTTP; it must take the proxy's X-Forwarded-Proto, and only
/// the proxy's. Real processes, because only Kestrel gives the request a remote address (127.0.0.1 here) to check.
/// </summary>
public sealed class ForwardedHeadersTests : IDisposable
{
    /// <summary>A documentation address (RFC 5737) a client claims for itself.</summary>
    private const string ClaimedAddress = "203.0.113.7";

    private readonly string _folder = Directory.CreateTempSubdirectory("authserver-proxy-").FullName;

    [Fact]
    public async Task Https_forwarded_by_a_configured_proxy_is_believed_and_by_anyone_else_is_ignored()
    {
        await using (var behindProxy = await StartAsync("trusted", ("ForwardedHeaders__KnownProxies__0", "127.0.0.1")))
        {
            Assert.Equal(HttpStatusCode.OK, (await PasswordGrantAsync(behindProxy, forwardedProto: "https", forwardedFor: ClaimedAddress)).Status);
            (await PasswordGrantAsync(behindProxy, forwardedProto: null)).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
            await WaitForClientAddressAsync(behindProxy, ClaimedAddress);
        }

        await using var exposed = await StartAsync("untrusted", ("ForwardedHeaders__KnownNetworks__0", "10.0.0.0/8"));
        (await PasswordGrantAsync(exposed, forwardedProto: "https")).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Without_a_configured_proxy_forwarded_headers_are_ignored()
    {
        await using var direct = await StartAsync("none");

        (await PasswordGrantAsync(direct, forwardedProto: "https", forwardedFor: ClaimedAddress)).ShouldFail(HttpStatusCode.BadRequest, "invalid_request");

        await WaitForClientAddressAsync(direct, "127.0.0.1");
        Assert.DoesNotContain(ClaimedAddress, direct.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proxy_entry_that_is_not_an_address_stops_the_server_at_start()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(Environment("bad", ("ForwardedHeaders__KnownNetworks__0", "10.0.0.0/99")), TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ForwardedHeaders:KnownNetworks", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left to the temp folder's cleanup; the result does not depend on it.
        }
    }

    /// <summary>The request log line for the token request names this client address (the console shows properties as JSON).</summary>
    private static Task WaitForClientAddressAsync(RunningProcess server, string address)
    {
        // The request line is written after the response has left.
        var pattern = new Regex($"/connect/token responded .*\"ClientAddress\":\\s*\"{Regex.Escape(address)}\"");
        return Eventually.TrueAsync(() => pattern.IsMatch(server.Output), $"No request line names {address}:\n{server.Output}", TimeSpan.FromSeconds(5));
    }

    private static async Task<TokenResponse> PasswordGrantAsync(RunningProcess server, string? forwardedProto, string? forwardedFor = null)
    {
        using var http = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = "bob", ["password"] = TestUsers.BobPassword, ["scope"] = "openid",
            }),
        };
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request);
        return await TokenClient.ReadAsync(response);
    }

    private Task<RunningProcess> StartAsync(string name, params (string Key, string Value)[] settings) =>
        ServerProcess.StartAsync(Environment(name, settings), TimeSpan.FromSeconds(90));

    /// <summary>Development data and keys, but HTTPS required as in production.</summary>
    private Dictionary<string, string> Environment(string name, params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(_folder, name, "auth.db")}",
            ["Keys__DevelopmentKeyFolder"] = Path.Combine(_folder, name, "keys"),
            ["Tokens__RequireHttps"] = "true",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return environment;
    }
}
