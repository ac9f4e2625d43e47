using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.ErrorHandling;

/// <summary>
/// Every refusal in the caller's shape: the framework's exception handler middleware runs
/// <see cref="ProtocolExceptionHandler"/> for whatever escapes a handler, and an error status set without a body (401 and 403 of the bearer handlers, routing's 404 and 405, binding's 415)
/// gets one too, so every refusal says what went wrong in the caller's shape.
/// </summary>
public static partial class ProtocolErrors
{
    private static readonly PathString[] s_protocolPaths = ["/connect", "/.well-known"];

    public static IServiceCollection AddProtocolErrors(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ProtocolExceptionHandler>();
        return services;
    }

    /// <summary>Inside the request log, so the log records the status the client got, not the exception.</summary>
    public static IApplicationBuilder UseProtocolErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        return app.Use(async (context, next) =>
        {
            // Tells OpenIddict (status code pages integration) to leave the body of its local errors to us.
            context.Features.Set<IStatusCodePagesFeature>(new StatusCodePagesFeature());
            await next(context);
            if (NeedsBody(context))
            {
                await WriteBodyAsync(context);
            }
        });
    }

    /// <summary>
    /// A refusal in the shape the caller expects: an OAuth JSON error under /connect and /.well-known (RFC 6749 §5.2),
    /// problem details (RFC 9457) elsewhere. Whatever the response held so far is discarded; <paramref name="headers"/>
    /// adds what this answer needs (Allow, WWW-Authenticate).
    /// </summary>
    public static async Task WriteAsync(HttpContext context, int status, string error, string description, Action<HttpResponse>? headers = null)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        headers?.Invoke(context.Response);
        await WriteJsonAsync(context, status, error, description);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, string error, string description)
    {
        if (IsBrowserPage(context))
        {
            // A person is looking: the same error, on a page (OIDC Core §3.1.2.6 leaves the form to the server).
            await new RazorComponentResult<Pages.ErrorPage>(new Dictionary<string, object?>
            {
                [nameof(Pages.ErrorPage.Error)] = error,
                [nameof(Pages.ErrorPage.Description)] = description,
            })
            { StatusCode = status }.ExecuteAsync(context);
            return;
        }

        if (IsProtocolPath(context.Request.Path))
        {
            context.Response.ContentType = "application/json;charset=UTF-8";
            await JsonSerializer.SerializeAsync(context.Response.Body, new Dictionary<string, string>
            {
                ["error"] = error,
                ["error_description"] = description,
            });
        }
        else
        {
            await Results.Problem(statusCode: status, title: description, extensions: new Dictionary<string, object?> { ["error"] = error })
                .ExecuteAsync(context);
        }
    }

    /// <summary>The browser endpoints (authorize, sign-out) asked by a browser: an error there that cannot go back to the client is a page.</summary>
    private static bool IsBrowserPage(HttpContext context) =>
        (context.Request.Path.StartsWithSegments(Tokens.Endpoints.Authorization) || context.Request.Path.StartsWithSegments(Tokens.Endpoints.EndSession))
        && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private static bool IsProtocolPath(PathString path) => Array.Exists(s_protocolPaths, prefix => path.StartsWithSegments(prefix));

    private static bool NeedsBody(HttpContext context) =>
        context.Response is { HasStarted: false, StatusCode: >= 400, ContentLength: null or 0, ContentType: null }
        && !HttpMethods.IsHead(context.Request.Method)
        && context.Features.Get<IHttpResponseBodyFeature>() is not null;

    /// <summary>
    /// OpenIddict's own error when it refused the request, else the code a bearer handler put in WWW-Authenticate
    /// (RFC 6750 §3), else one that fits the status; headers kept.
    /// </summary>
    private static Task WriteBodyAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        if (context.GetOpenIddictServerResponse() is { Error: { Length: > 0 } openIddictError } refusal)
        {
            context.Response.Headers.CacheControl = "no-store";
            return WriteJsonAsync(context, status, openIddictError, refusal.ErrorDescription ?? "The request was refused.");
        }

        var challenge = ErrorParameter().Match(context.Response.Headers.WWWAuthenticate.ToString());
        var error = challenge.Success ? challenge.Groups[1].Value : status switch
        {
            StatusCodes.Status401Unauthorized => Errors.InvalidToken,
            StatusCodes.Status403Forbidden => Errors.InsufficientScope,
            >= 500 => Errors.ServerError,
            _ => Errors.InvalidRequest,
        };
        var description = status switch
        {
            StatusCodes.Status401Unauthorized => "A valid access token is required.",
            StatusCodes.Status403Forbidden => "The access token does not allow this request.",
            StatusCodes.Status404NotFound => "There is nothing at this address.",
            StatusCodes.Status405MethodNotAllowed => "This endpoint does not accept this method.",
            StatusCodes.Status415UnsupportedMediaType => "The request body has a content type this endpoint does not accept.",
            _ => "The request was refused.",
        };

        context.Response.Headers.CacheControl = "no-store";
        return WriteJsonAsync(context, status, error, description);
    }

    [GeneratedRegex("error=\"([a-z_]{1,64})\"")]
    private static partial Regex ErrorParameter();
}
