using System.Security.Cryptography;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer.Tests.Infrastructure;

/// <summary>
/// The real authorization server and both sample APIs, in-process. The server's clock starts an hour back so that
/// the fixture can mint a token that is already expired by the APIs' own (real) clocks, then catches up to now.
/// </summary>
public sealed class ResourceServers : IAsyncLifetime
{
    /// <summary>The server's Development issuer; TestServer ignores the host, so only the path matters on the wire.</summary>
    public const string Authority = "http://localhost:5000/";

    private readonly Dictionary<Sample, SampleApi> _samples = [];

    public ResourceServers()
    {
        Backchannel = new Backchannel(Server);
    }

    public PastStartServer Server { get; } = new();

    public Backchannel Backchannel { get; }

    public TokenClient Tokens { get; private set; } = null!;

    /// <summary>Alice's token with scope api, issued an hour ago: past its 15-minute lifetime.</summary>
    public string ExpiredToken { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Tokens = new TokenClient(Server.CreateClient());
        ExpiredToken = (await Tokens.PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        Server.StartClock.SetUtcNow(DateTimeOffset.UtcNow);
    }

    public HttpClient Api(Sample sample) => Started(sample).CreateClient();

    public HttpMessageHandler ApiHandler(Sample sample) => Started(sample).CreateHandler();

    /// <summary>A request to a sample API with its headers exactly as given (see <see cref="SampleApi.SendRawAsync"/>).</summary>
    public Task<HttpContext> SendRawAsync(Sample sample, Action<HttpContext> configure) => Started(sample).SendRawAsync(configure);

    private SampleApi Started(Sample sample)
    {
        lock (_samples)
        {
            if (!_samples.TryGetValue(sample, out var api))
            {
                _samples[sample] = api = SampleApi.Start(sample, Backchannel, Authority);
            }

            return api;
        }
    }

    public async Task<string> AccessTokenAsync(string user, string password, string scope) =>
        (await Tokens.PasswordAsync(user, password, scope)).ShouldSucceed().AccessToken!;

    /// <summary>The server's private signing key (RSA, listed first: it signs the access tokens), to sign tokens the server never would.</summary>
    public RSA ServerKey()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(Server.RsaKeyFile));
        return rsa;
    }

    /// <summary>The server's second, published key: P-256, what access tokens are signed with when it is listed first.</summary>
    public ECDsa ServerEcKey()
    {
        var ec = ECDsa.Create();
        ec.ImportFromPem(File.ReadAllText(Server.EcKeyFile));
        return ec;
    }

    public async Task<JsonWebKey> SigningKeyAsync() =>
        new JsonWebKeySet(await Tokens.Http.GetStringAsync(AuthServer.Tokens.Endpoints.Jwks)).Keys.Single(key => key.Kty == "RSA");

    public ValueTask DisposeAsync()
    {
        foreach (var api in _samples.Values)
        {
            api.Dispose();
        }

        Server.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>An authorization server whose clock the fixture starts in the past.</summary>
public sealed class PastStartServer : AuthServerFactory
{
    /// <summary>
    /// RSA first, so access tokens are RS256 and the forgeries (alg confusion, RS384 under the real key) stay sharp;
    /// the EC key is published too, which lets a test prove the samples accept ES256, the Development default.
    /// </summary>
    public PastStartServer()
    {
        (RsaKeyFile, var encryption) = KeyFiles.Create(Folder, "rs256");
        EcKeyFile = KeyFiles.CreateEc(Folder, "es256");
        Set("Keys:SigningKeyFiles:0", RsaKeyFile).Set("Keys:SigningKeyFiles:1", EcKeyFile).Set("Keys:EncryptionKeyFiles:0", encryption);
    }

    public string RsaKeyFile { get; }

    public string EcKeyFile { get; }

    public FakeTimeProvider StartClock { get; } = new(DateTimeOffset.UtcNow.AddHours(-1));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(StartClock));
    }
}
