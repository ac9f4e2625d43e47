using System.Net;
using System.Text;
using System.Text.Json;
using AuthServer.SharedSignals;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.ResourceServer.Tests.Infrastructure;

/// <summary>
/// The resource API's only route to the authorization server: every metadata, JWKS and feed request goes to the
/// in-process server (which one can change, to simulate a deployment), and JWKS fetches are counted. It can also cut the
/// server off (an outage) and rewrite the SETs a poll returns (a forger on the path).
/// </summary>
public sealed class Backchannel(AuthServerFactory server)
{
    private int _jwksFetches;
    private int _polls;
    private int _refusedPolls;

    public AuthServerFactory Server { get; set; } = server;

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    /// <summary>Feed polls that reached the server.</summary>
    public int Polls => Volatile.Read(ref _polls);

    /// <summary>Feed polls cut off by an outage (<see cref="Down"/>).</summary>
    public int RefusedPolls => Volatile.Read(ref _refusedPolls);

    /// <summary>While true, every request fails as if the server were unreachable.</summary>
    public bool Down { get; set; }

    /// <summary>When set, each SET of a poll's answer is replaced by what this returns for it.</summary>
    public Func<string, string>? TamperSets { get; set; }

    public DelegatingHandler CreateHandler() => new Forwarder(this);

    private sealed class Forwarder(Backchannel owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (owner.Down)
            {
                if (request.RequestUri?.AbsolutePath.StartsWith(SharedSignalsEndpoints.Poll + "/", StringComparison.Ordinal) == true)
                {
                    Interlocked.Increment(ref owner._refusedPolls);
                }

                throw new HttpRequestException(HttpRequestError.ConnectionError, "The authorization server is unreachable (test outage).");
            }

            var path = request.RequestUri?.AbsolutePath ?? "";
            if (path == AuthServer.Tokens.Endpoints.Jwks)
            {
                Interlocked.Increment(ref owner._jwksFetches);
            }

            using var invoker = new HttpMessageInvoker(owner.Server.Server.CreateHandler(), disposeHandler: true);
            var response = await invoker.SendAsync(request, cancellationToken);
            if (path.StartsWith(SharedSignalsEndpoints.Poll + "/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref owner._polls);
                if (owner.TamperSets is { } tamper && response.StatusCode == HttpStatusCode.OK)
                {
                    var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
                    var sets = body.GetProperty("sets").EnumerateObject().ToDictionary(p => p.Name, p => tamper(p.Value.GetString()!), StringComparer.Ordinal);
                    var more = body.TryGetProperty("moreAvailable", out var flag) && flag.GetBoolean();
                    response.Content = new StringContent(JsonSerializer.Serialize(new { sets, moreAvailable = more }), Encoding.UTF8, "application/json");
                }
            }

            return response;
        }
    }
}
