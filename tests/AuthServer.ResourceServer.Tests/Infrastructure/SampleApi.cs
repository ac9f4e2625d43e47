extern alias JwtBearerSample;
extern alias OpenIddictSample;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace AuthServer.ResourceServer.Tests.Infrastructure;

public enum Sample
{
    JwtBearer,
    OpenIddict,
}

/// <summary>One sample resource API, in-process, whose backchannel reaches the test's authorization server.</summary>
public sealed class SampleApi : IDisposable
{
    private readonly IDisposable _factory;
    private readonly Func<HttpClient> _createClient;
    private readonly Func<TestServer> _server;
    private readonly Func<IServiceProvider> _services;

    private SampleApi(IDisposable factory, Func<HttpClient> createClient, Func<TestServer> server, Func<IServiceProvider> services, Backchannel backchannel)
    {
        _factory = factory;
        _createClient = createClient;
        _server = server;
        _services = services;
        Backchannel = backchannel;
    }

    public Backchannel Backchannel { get; }

    /// <summary>The API's own services (its revocation list, its feed poller).</summary>
    public IServiceProvider Services => _services();

    /// <summary>
    /// Starts a sample in Development. The revocation feed its appsettings turn on is off here unless
    /// <paramref name="settings"/> turn it on again (AuthServer:RevocationFeed:Enabled), so other tests count JWKS fetches undisturbed.
    /// </summary>
    public static SampleApi Start(Sample sample, Backchannel backchannel, string authority, bool requireHttpsMetadata = false, IReadOnlyDictionary<string, string>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal) { ["AuthServer:RevocationFeed:Enabled"] = "false" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        switch (sample)
        {
            case Sample.JwtBearer:
                var jwt = new Factory<JwtBearerSample::Program>(backchannel, authority, requireHttpsMetadata, all, services);
                return new SampleApi(jwt, jwt.CreateClient, () => jwt.Server, () => jwt.Services, backchannel);
            case Sample.OpenIddict:
                var openIddict = new Factory<OpenIddictSample::Program>(backchannel, authority, requireHttpsMetadata, all, services);
                return new SampleApi(openIddict, openIddict.CreateClient, () => openIddict.Server, () => openIddict.Services, backchannel);
            default:
                throw new ArgumentOutOfRangeException(nameof(sample));
        }
    }

    public HttpClient CreateClient() => _createClient();

    /// <summary>The in-memory server's handler, for a client that brings its own handlers in front (DPoP).</summary>
    public HttpMessageHandler CreateHandler() => _server().CreateHandler();

    /// <summary>A request built on the server side: headers exactly as given (HttpClient re-serialises Authorization, folding its spaces).</summary>
    public Task<HttpContext> SendRawAsync(Action<HttpContext> configure) => _server().SendAsync(configure);

    public void Dispose() => _factory.Dispose();

    private sealed class Factory<TProgram>(Backchannel backchannel, string authority, bool requireHttpsMetadata, IReadOnlyDictionary<string, string> settings,
        Action<IServiceCollection>? testServices)
        : WebApplicationFactory<TProgram>
        where TProgram : class
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("AuthServer:Authority", authority);
            builder.UseSetting("AuthServer:RequireHttpsMetadata", requireHttpsMetadata.ToString());
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(services =>
            {
                services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options => options.BackchannelHttpHandler = backchannel.CreateHandler());

                // OpenIddict insists on its own HttpClientHandler as primary handler; the last delegating handler short-circuits it.
                services.ConfigureAll<HttpClientFactoryOptions>(options =>
                    options.HttpMessageHandlerBuilderActions.Add(handlers => handlers.AdditionalHandlers.Add(backchannel.CreateHandler())));
                testServices?.Invoke(services);
            });
        }
    }
}
