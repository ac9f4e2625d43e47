using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace AuthServer.Bff.Proxy;

/// <summary>YARP routes and clusters from <see cref="AuthServerBffOptions.Apis"/>: each prefix is forwarded, path unchanged, to its destination.</summary>
public sealed class ApiRoutes(IOptions<AuthServerBffOptions> options) : IProxyConfigProvider
{
    public const string RoutePrefix = "authserver-bff-";

    private readonly Lazy<IProxyConfig> _config = new(() => Build(options.Value));

    public IProxyConfig GetConfig() => _config.Value;

    private static Config Build(AuthServerBffOptions options)
    {
        var routes = options.Apis.Select(api => new RouteConfig
        {
            RouteId = RoutePrefix + api.Key,
            ClusterId = RoutePrefix + api.Key,
            Match = new RouteMatch { Path = api.Value.PathPrefix + "/{**rest}" },
        }).ToList();
        var clusters = options.Apis.Select(api => new ClusterConfig
        {
            ClusterId = RoutePrefix + api.Key,
            Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
            {
                [api.Key] = new() { Address = api.Value.Destination!.AbsoluteUri },
            },
        }).ToList();
        return new Config(routes, clusters);
    }

    private sealed class Config(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        public IReadOnlyList<RouteConfig> Routes { get; } = routes;

        public IReadOnlyList<ClusterConfig> Clusters { get; } = clusters;

        // Options are read once at start; a changed API list needs a restart, like every other setting.
        public IChangeToken ChangeToken { get; } = new CancellationChangeToken(CancellationToken.None);
    }
}
