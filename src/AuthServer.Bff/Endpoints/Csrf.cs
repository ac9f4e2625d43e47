using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuthServer.Bff.Endpoints;

/// <summary>
/// Browser-based-apps BCP §6.1.3.2: a cross-site form or link cannot add a custom header, and a cross-origin fetch that
/// adds one needs a CORS preflight this BFF never grants; requiring it on every call makes cookie-riding requests fail.
/// </summary>
public static class Csrf
{
    public static bool HasHeader(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers[BffPaths.CsrfHeader] is { Count: 1 } values && values[0] == BffPaths.CsrfHeaderValue;
    }

    internal static void LogMissing(HttpContext context)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Csrf).FullName!);
        if (logger.IsEnabled(LogLevel.Information))
        {
            BffLog.CsrfHeaderMissing(logger, context.Request.Method, context.Request.Path.Value ?? "/", BffPaths.CsrfHeader);
        }
    }

    internal static async ValueTask<object?> RequireHeader(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HasHeader(http.Request))
        {
            return await next(context);
        }

        LogMissing(http);
        http.Response.Headers.CacheControl = "no-store";
        return BffProblems.CsrfHeader();
    }
}
