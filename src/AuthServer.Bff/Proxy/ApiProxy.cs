using System.Net.Http.Headers;
using AuthServer.Bff.Endpoints;
using AuthServer.Bff.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace AuthServer.Bff.Proxy;

/// <summary>
/// What stands between the SPA and an API: the CSRF header, a live session, a fresh access token (refreshed once),
/// then YARP forwards with `Authorization: Bearer` and without the browser's cookies; an API that does not answer
/// becomes a problem the SPA can show.
/// </summary>
public static class ApiProxy
{
    private const string TokenItem = "AuthServer.Bff.AccessToken";

    internal static void AddTransforms(TransformBuilderContext builder)
    {
        if (builder.Route.RouteId?.StartsWith(ApiRoutes.RoutePrefix, StringComparison.Ordinal) != true)
        {
            return;
        }

        // The session cookie is the BFF's credential, never the API's; the API gets only the access token (RFC 6750 §2.1).
        builder.AddRequestHeaderRemove("Cookie");
        builder.AddRequestHeaderRemove(BffPaths.CsrfHeader);
        builder.AddRequestTransform(context =>
        {
            context.ProxyRequest.Headers.Authorization = context.HttpContext.Items[TokenItem] is string token
                ? new AuthenticationHeaderValue("Bearer", token)
                : null;
            return ValueTask.CompletedTask;
        });
    }

    internal static async Task GateAsync(HttpContext context, RequestDelegate next)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiProxy));
        context.Response.Headers.CacheControl = "no-store";
        if (!Csrf.HasHeader(context.Request))
        {
            Csrf.LogMissing(context);
            await BffProblems.WriteAsync(context, BffProblems.CsrfHeader());
            return;
        }

        var session = await context.AuthenticateAsync(BffSchemes.Cookie);
        if (!BffEndpoints.IsSignedIn(session))
        {
            await BffProblems.WriteAsync(context, BffProblems.SignInRequired());
            return;
        }

        var token = await context.RequestServices.GetRequiredService<AccessTokens>().GetAsync(session.Ticket!, context.RequestAborted);
        switch (token.Outcome)
        {
            case AccessTokenOutcome.SessionEnded:
                // The row is gone; the cookie goes too, so the browser stops presenting it.
                await context.SignOutAsync(BffSchemes.Cookie);
                await BffProblems.WriteAsync(context, BffProblems.Ended());
                return;
            case AccessTokenOutcome.AuthorityUnavailable:
                await BffProblems.WriteAsync(context, BffProblems.Authority());
                return;
        }

        context.Items[TokenItem] = token.Token;

        // An API's own answers pass through as it gave them, empty ones included: problem bodies are for the BFF's own answers.
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        await next(context);

        if (context.GetForwarderErrorFeature() is { Error: not ForwarderError.None and not ForwarderError.RequestCanceled } error && !context.Response.HasStarted)
        {
            context.Response.Clear();
            if ((error.Exception as BadHttpRequestException ?? error.Exception?.InnerException as BadHttpRequestException) is { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                // A body of unknown length (chunked) that outgrew the BFF's limit while it was forwarded: the caller's doing, not the API's.
                await BffProblems.WriteAsync(context, BffProblems.TooLarge(context.RequestServices.GetRequiredService<IOptions<AuthServerBffOptions>>().Value.MaxRequestBodyBytes));
                return;
            }

            BffLog.ApiUnavailable(logger, context.GetRouteModel()?.Config.RouteId ?? "?", error.Error.ToString());
            await BffProblems.WriteAsync(context, BffProblems.Api());
        }
    }
}
