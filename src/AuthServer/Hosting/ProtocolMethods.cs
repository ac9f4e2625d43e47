using AuthServer.ErrorHandling;
using AuthServer.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Hosting;

/// <summary>
/// RFC 9110 §15.5.6: a method an endpoint does not support is 405 with `Allow`, not OpenIddict's 400. HEAD on the
/// public metadata (discovery, JWKS) and the health probes is answered as GET without a body (RFC 9110 §9.3.2),
/// since OpenIddict knows GET only. After CORS, so a browser's preflight still gets its answer.
/// </summary>
public static class ProtocolMethods
{
    private static readonly string[] s_post = [HttpMethods.Post];
    private static readonly string[] s_getPost = [HttpMethods.Get, HttpMethods.Post];
    private static readonly string[] s_getHead = [HttpMethods.Get, HttpMethods.Head];

    private static readonly Dictionary<string, string[]> s_allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        [Endpoints.Token] = s_post,
        [Endpoints.Revocation] = s_post,
        [Endpoints.Authorization] = s_getPost,
        [Endpoints.EndSession] = s_getPost,
        [Endpoints.UserInfo] = s_getPost,
        [Endpoints.Discovery] = s_getHead,
        [Endpoints.Jwks] = s_getHead,
        [SharedSignals.SharedSignalsEndpoints.Configuration] = s_getHead,
        ["/health/live"] = s_getHead,
        ["/health/ready"] = s_getHead,
    };

    public static IApplicationBuilder UseProtocolMethods(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!s_allowed.TryGetValue(request.Path.Value?.TrimEnd('/') ?? "", out var allowed))
        {
            await next(context);
            return;
        }

        if (!allowed.Contains(request.Method, StringComparer.OrdinalIgnoreCase))
        {
            var allow = string.Join(", ", allowed);
            await ProtocolErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, Errors.InvalidRequest,
                $"This endpoint accepts {allow} only.", response => response.Headers.Allow = allow);
            return;
        }

        if (!HttpMethods.IsHead(request.Method))
        {
            await next(context);
            return;
        }

        // The server still knows the request was HEAD and sends no body; the null stream keeps any host from sending one.
        var body = context.Response.Body;
        request.Method = HttpMethods.Get;
        context.Response.Body = Stream.Null;
        try
        {
            await next(context);
        }
        finally
        {
            request.Method = HttpMethods.Head;
            context.Response.Body = body;
        }
    });
}
