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

    private SampleApi(IDisposable factory, Func<HttpClient> createClient, Func<TestServer> server, Backchannel backchannel)
    {
        _factory = factory;
        _createClient = createClient;
        _server = server;
        Backchannel = backchannel;
    }

    public Backchannel Backchannel { get; }

    public static SampleApi Start(Sample sample, Backchannel backchannel, string authority, bool requireHttpsMetadata = false)
    {
        switch (sample)
        {
            case Sample.JwtBearer:
                var jwt = new Factory<JwtBearerSample::Program>(backchannel, authority, requireHttpsMetadata);
                return new SampleApi(jwt, jwt.CreateClient, () => jwt.Server, backchannel);
            case Sample.OpenIddict:
                var openIddict = new Factory<OpenIddictSample::Program>(backchannel, authority, requireHttpsMetadata);
                return new SampleApi(openIddict, openIddict.CreateClient, () => openIddict.Server, backchannel);
            default:
                throw new ArgumentOutOfRangeException(nameof(sample));
        }
    }

    public HttpClient CreateClient() => _createClient();

    /// <summary>A request built on the server side: headers exactly as given (HttpClient re-serialises Authorization, folding its spaces).</summary>
    public Task<HttpContext> SendRawAsync(Action<HttpContext> configure) => _server().SendAsync(configure);

    public void Dispose() => _factory.Dispose();

    private sealed class Factory<TProgram>(Backchannel backchannel, string authority, bool requireHttpsMetadata) : WebApplicationFactory<TProgram>
        where TProgram : class
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("AuthServer:Authority", authority);
            builder.UseSetting("AuthServer:RequireHttpsMetadata", requireHttpsMetadata.ToString());
            builder.ConfigureTestServices(services =>
            {
                services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options => options.BackchannelHttpHandler = backchannel.CreateHandler());

                // OpenIddict insists on its own HttpClientHandler as primary handler; the last delegating handler short-circuits it.
                services.ConfigureAll<HttpClientFactoryOptions>(options =>
                    options.HttpMessageHandlerBuilderActions.Add(handlers => handlers.AdditionalHandlers.Add(backchannel.CreateHandler())));
            });
        }
    }
}
