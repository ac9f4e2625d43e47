using System.Net;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AuthServer.Tests;

/// <summary>The metrics endpoint, when on, answers only under the issuer's host like everything but the health probes.</summary>
public sealed class MetricsHostFilterTests : IDisposable
{
    private readonly ProductionServerFactory _server = new();

    public MetricsHostFilterTests() => _server.Set("Metrics:Enabled", "true");

    [Fact]
    public async Task Metrics_are_answered_under_the_issuers_host_only()
    {
        using var byAddress = _server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://10.1.2.3:8080/") });
        using var byName = _server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://id.example.test/") });

        using var refused = await byAddress.GetAsync("/metrics", TestContext.Current.CancellationToken);
        using var answered = await byName.GetAsync("/metrics", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    public void Dispose() => _server.Dispose();
}
