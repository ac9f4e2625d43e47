using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.ResourceServer.Tests.Infrastructure;

/// <summary>
/// The authorization server on the wall clock (revocation is about real seconds) and both sample APIs with the revocation
/// feed on, at its default one-second interval. Tests that cut the feed off or tamper with it start their own API.
/// </summary>
public sealed class FeedServers : IDisposable
{
    /// <summary>
    /// Far below the token's 15 minutes, so only the feed can meet it. The 2 s target itself is the load tool's to measure
    /// (bench-revocation.sh); a test machine shared with builds has missed 3 s, and then 6 s, with a second API instance
    /// starting while other test projects ran on the same 2 cores. A test that waits this long passes as soon as the 401 comes.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    public static readonly IReadOnlyDictionary<string, string> FeedOn = new Dictionary<string, string> { ["AuthServer:RevocationFeed:Enabled"] = "true" };

    private readonly List<SampleApi> _started = [];

    public FeedServers()
    {
        Backchannel = new Backchannel(Server);
        JwtBearer = Start(Sample.JwtBearer);
        OpenIddict = Start(Sample.OpenIddict);
        Tokens = new TokenClient(Server.CreateClient());
        Admin = new AdminClient(Server.CreateClient());
    }

    public FeedServer Server { get; } = new();

    public Backchannel Backchannel { get; }

    public SampleApi JwtBearer { get; }

    public SampleApi OpenIddict { get; }

    public IEnumerable<SampleApi> Both => [JwtBearer, OpenIddict];

    public TokenClient Tokens { get; }

    public AdminClient Admin { get; }

    /// <summary>Another API instance (its own stream), on its own backchannel unless one is given.</summary>
    public SampleApi Start(Sample sample, Backchannel? backchannel = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(FeedOn);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var api = SampleApi.Start(sample, backchannel ?? Backchannel, ResourceServers.Authority, settings: all);
        lock (_started)
        {
            _started.Add(api);
        }

        return api;
    }

    public static async Task<HttpStatusCode> CallAsync(SampleApi api, string accessToken)
    {
        using var http = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>How long until the API first answers <paramref name="expected"/> for the token; fails past the deadline.</summary>
    public static async Task<TimeSpan> UntilAsync(SampleApi api, string accessToken, HttpStatusCode expected, TimeSpan? deadline = null)
    {
        var watch = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => await CallAsync(api, accessToken) == expected, $"The API never answered {(int)expected} for the token", deadline ?? Deadline);
        return watch.Elapsed;
    }

    /// <summary>Waits out <paramref name="polls"/> more polls through <paramref name="backchannel"/>, so "still accepted" means the feed was heard.</summary>
    public static async Task PollsAsync(Backchannel backchannel, int polls = 2)
    {
        var target = backchannel.Polls + polls;
        await Eventually.TrueAsync(() => backchannel.Polls >= target, "The API did not poll the feed", TimeSpan.FromSeconds(15));
    }

    public async Task<TokenResponse> SignInAsync(string userName, string password = TestUsers.Password, string scope = "openid offline_access api") =>
        (await Tokens.PasswordAsync(userName, password, scope)).ShouldSucceed();

    public void Dispose()
    {
        foreach (var api in _started)
        {
            api.Dispose();
        }

        Server.Dispose();
    }
}

/// <summary>RSA listed first (access tokens and SETs RS256, so a test can re-sign with the server's key), wall clock, no refresh leeway.</summary>
public sealed class FeedServer : AuthServerFactory
{
    /// <summary>A second first-party client for the API, so revoking one client leaves the other's tokens to compare.</summary>
    public const string Partner = "partner";

    public FeedServer()
    {
        WallClock = true;
        Set($"Catalog:Clients:{Partner}:GrantTypes:0", "password").Set($"Catalog:Clients:{Partner}:GrantTypes:1", "refresh_token");
        foreach (var (scope, index) in new[] { "openid", "offline_access", "api" }.Select((scope, index) => (scope, index)))
        {
            Set($"Catalog:Clients:{Partner}:Scopes:{index}", scope);
        }

        (RsaKeyFile, EncryptionKeyFile) = KeyFiles.Create(Folder, "rs256");
        Set("Keys:SigningKeyFiles:0", RsaKeyFile).Set("Keys:EncryptionKeyFiles:0", EncryptionKeyFile);

        // A replay is any second redemption, so the replay case needs no 30-second wait.
        Set("Tokens:RefreshTokenReuseLeeway", "00:00:00");
    }

    public string RsaKeyFile { get; }

    public string EncryptionKeyFile { get; }

    public RSA ServerKey()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(RsaKeyFile));
        return rsa;
    }

}
