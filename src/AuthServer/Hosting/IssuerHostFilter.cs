using AuthServer.Tokens;
using Microsoft.Extensions.Options;

namespace AuthServer.Hosting;

/// <summary>
/// Outside Development, only requests for the issuer's host are answered (400 otherwise, as ASP.NET Core's own host
/// filtering answers): nothing built from a forged Host header (a link, a cached copy, a log line) can then exist.
/// The health probes are left out, since kubelets address an instance by its IP; they answer nothing derived from the
/// host. The metrics endpoint is not: it is scraped under the issuer's name like everything else, so a
/// request that reached the server under another name learns nothing from it either. Development accepts any host, so
/// the server is reachable under any local name.
/// The issuer is required and validated outside Development (TokenServerOptionsValidator), so the host is always known there.
/// </summary>
public static class IssuerHostFilter
{
    private static readonly PathString s_health = "/health";

    public static IApplicationBuilder UseIssuerHostOnly(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IHostEnvironment>().IsDevelopment()
            || app.ApplicationServices.GetRequiredService<IOptions<TokenServerOptions>>().Value.Issuer is not { } issuer)
        {
            return app;
        }

        var host = issuer.IdnHost;
        return app.Use((context, next) =>
        {
            if (string.Equals(context.Request.Host.Host, host, StringComparison.OrdinalIgnoreCase) || context.Request.Path.StartsWithSegments(s_health))
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        });
    }
}
