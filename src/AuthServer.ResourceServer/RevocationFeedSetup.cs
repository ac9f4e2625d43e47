using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AuthServer.ResourceServer;

public static class RevocationFeedSetup
{
    /// <summary>The health check's name (tagged "ready"): unhealthy while the feed is stale.</summary>
    public const string HealthCheckName = "authserver-revocation-feed";

    /// <summary>
    /// The revocation feed receiver alone, for APIs that validate tokens with another handler (OpenIddict.Validation):
    /// binds <see cref="AuthServerJwtOptions"/> from <paramref name="section"/> (Authority, algorithms, `RevocationFeed`)
    /// and registers the poller, the <see cref="RevocationList"/> to consult, the <see cref="IssuerKeys"/> to validate
    /// with (the feed keeps them current), a health check and metrics.
    /// <see cref="AuthServerJwtBearer.AddAuthServerJwtBearer(IServiceCollection, IConfiguration)"/> does all this itself.
    /// </summary>
    public static IServiceCollection AddAuthServerRevocationFeed(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<AuthServerJwtOptions>().Configure(options => section.Bind(options)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthServerJwtOptions>>(new AnnotatedOptionsValidator<AuthServerJwtOptions>(AuthServerJwtOptions.Section)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthServerJwtOptions>, AuthServerJwtOptionsValidator>());
        return services.AddRevocationFeedServices();
    }

    internal static IServiceCollection AddRevocationFeedServices(this IServiceCollection services)
    {
        if (services.Any(descriptor => descriptor.ServiceType == typeof(RevocationFeed)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new RevocationList(provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IssuerKeys>();
        // A cache between the API and the server (the JWKS is served with max-age) must not answer a fetch the feed asked for.
        services.AddHttpClient(IssuerKeys.HttpClientName, client => client.DefaultRequestHeaders.CacheControl = new() { NoCache = true });
        services.AddSingleton<RevocationFeed>();
        services.AddHostedService(provider => provider.GetRequiredService<RevocationFeed>());
        services.AddHttpClient(RevocationFeed.HttpClientName);
        services.Configure<LoggerFilterOptions>(QuietHttpClientLogs);
        services.AddMetrics();
        services.AddHealthChecks().AddCheck<RevocationFeedHealthCheck>(HealthCheckName, tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// A poll a second would log four lines of each of these clients' requests at Information. The feed and
    /// <see cref="IssuerKeys"/> log what a person acts on themselves (unreachable, once per outage; back; keys changed), and
    /// traces and metrics keep each request; so only the clients' warnings remain. Inserted first: an API's own rule for
    /// exactly these categories (Logging:LogLevel:System.Net.Http.HttpClient.AuthServer.RevocationFeed) still wins.
    /// </summary>
    private static void QuietHttpClientLogs(LoggerFilterOptions options)
    {
        foreach (var name in new[] { RevocationFeed.HttpClientName, IssuerKeys.HttpClientName })
        {
            options.Rules.Insert(0, new LoggerFilterRule(providerName: null, HttpClientLogCategory + name, LogLevel.Warning, filter: null));
        }
    }

    /// <summary>The prefix of IHttpClientFactory's log categories for a named client (then .LogicalHandler, .ClientHandler).</summary>
    internal const string HttpClientLogCategory = "System.Net.Http.HttpClient.";
}

/// <summary>Unhealthy once the feed has gone <see cref="RevocationFeedSettings.StaleAfter"/> without a successful poll.</summary>
public sealed class RevocationFeedHealthCheck(RevocationFeed feed, IOptions<AuthServerJwtOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!feed.Enabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("The revocation feed is not enabled."));
        }

        var staleness = (int)feed.Staleness.TotalSeconds;
        var consequence = options.Value.RevocationFeed.FailClosed ? "every access token is refused" : "revocations are not seen";
        return Task.FromResult(feed.IsStale && feed.Staleness > options.Value.RevocationFeed.StaleAfter
            ? HealthCheckResult.Unhealthy($"No successful poll of the revocation feed for {staleness} s: {consequence}.")
            : HealthCheckResult.Healthy($"Last successful poll {staleness} s ago."));
    }
}
