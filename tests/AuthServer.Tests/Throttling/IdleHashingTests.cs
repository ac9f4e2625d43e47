using System.Net;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests;

/// <summary>
/// Sign-ins hash on every core while nothing else is served (one reserved slot and one idle slot here, and a hasher that
/// holds each hash until the test lets it go). That anything else in flight closes the idle slots: SignInLimitsTests.
/// </summary>
public sealed class IdleHashingTests : IDisposable
{
    private readonly Server _server = new();

    [Fact]
    public async Task With_only_sign_ins_in_flight_a_second_sign_in_hashes_beside_the_first()
    {
        var user = await _server.CreateUserAsync();
        var first = SignInAsync(user, "198.51.100.1");
        var second = SignInAsync(user, "198.51.100.2");

        await Eventually.TrueAsync(() => _server.Hasher.Verifications == 2, "The second sign-in did not reach the hasher while the first held its slot");
        _server.Hasher.Release();

        Assert.Equal(HttpStatusCode.OK, await first);
        Assert.Equal(HttpStatusCode.OK, await second);
    }

    public void Dispose()
    {
        _server.Hasher.Release();
        _server.Dispose();
    }

    private async Task<HttpStatusCode> SignInAsync(IdentityUser user, string source)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.Token)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = TokenClient.Spa, ["username"] = user.UserName!, ["password"] = TestUsers.Password,
            }),
        };
        request.Headers.Add(AuthServerFactory.PeerHeader, source);
        using var response = await _server.CreateClient().SendAsync(request);
        return response.StatusCode;
    }

    private sealed class Server : AuthServerFactory
    {
        public Server()
        {
            Set("Throttling:ConcurrentPasswordHashes", "1");
            Set("Throttling:IdlePasswordHashes", "1");
            Set("Throttling:QueuedPasswordHashes", "8");
        }

        public HashingLimitTests.HeldPasswordHasher Hasher { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IPasswordHasher<IdentityUser>>(Hasher));
        }
    }
}
