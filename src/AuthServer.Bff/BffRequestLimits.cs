using AuthServer.Bff.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AuthServer.Bff;

/// <summary>
/// The outermost layer of a BFF host: a body limit of its own (Kestrel's default is 30 MB) with a far smaller one for the
/// back-channel logout, and a problem body on every error answer that would otherwise be empty (404, 405, 401).
/// </summary>
internal sealed class BffRequestLimits(IOptions<AuthServerBffOptions> options, ILoggerFactory loggers) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseStatusCodePages(context => BffProblems.WriteAsync(context.HttpContext, BffProblems.Status(context.HttpContext.Response.StatusCode)));
        app.Use(LimitAsync);
        next(app);
    };

    private async Task LimitAsync(HttpContext context, RequestDelegate next)
    {
        // Routing ignores case, so the smaller limit must too.
        var logout = context.Request.Path.Equals(BffPaths.BackchannelLogout, StringComparison.OrdinalIgnoreCase);
        var max = logout ? BackchannelLogoutReceiver.MaxBodyBytes : options.Value.MaxRequestBodyBytes;

        // Kestrel enforces it on a body of unknown length (chunked) as it is read; a declared length is refused here, unread.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = max;
        }

        if (context.Request.ContentLength > max)
        {
            context.Response.Headers.Connection = "close";
            if (logout)
            {
                // Back-Channel Logout 1.0 §2.8: a refused notice is a 400 with an OAuth error.
                BffLog.BackchannelLogoutRefused(loggers.CreateLogger(typeof(BackchannelLogoutReceiver)), $"body over {max} bytes");
                await BffProblems.WriteAsync(context, BffProblems.LogoutToken($"The body is larger than the {max} bytes a logout token needs."));
            }
            else
            {
                await BffProblems.WriteAsync(context, BffProblems.TooLarge(max));
            }

            return;
        }

        await next(context);
    }
}
