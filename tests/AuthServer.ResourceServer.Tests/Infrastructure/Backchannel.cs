using AuthServer.Tests.Infrastructure;

namespace AuthServer.ResourceServer.Tests.Infrastructure;

/// <summary>
/// The resource API's only route to the authorization server: every metadata and JWKS request goes to the
/// in-process server (which one can change, to simulate a deployment), and JWKS fetches are counted.
/// </summary>
public sealed class Backchannel(AuthServerFactory server)
{
    private int _jwksFetches;

    public AuthServerFactory Server { get; set; } = server;

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public DelegatingHandler CreateHandler() => new Forwarder(this);

    private sealed class Forwarder(Backchannel owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath == AuthServer.Tokens.Endpoints.Jwks)
            {
                Interlocked.Increment(ref owner._jwksFetches);
            }

            using var invoker = new HttpMessageInvoker(owner.Server.Server.CreateHandler(), disposeHandler: true);
            return await invoker.SendAsync(request, cancellationToken);
        }
    }
}
