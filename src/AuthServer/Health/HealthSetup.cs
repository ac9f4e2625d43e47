using AuthServer.Persistence;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace AuthServer.Health;

public static class HealthSetup
{
    private const string Ready = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddDbContextCheck<AuthDbContext>(tags: [Ready]);
        return services;
    }

    /// <summary>Liveness says the process answers; readiness also needs the database, so a load balancer drains an instance that lost it.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) });
        return app;
    }
}
