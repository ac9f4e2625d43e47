using System.Data.Common;
using System.Text.Json;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.ErrorHandling;

/// <summary>
/// The last line of defence: whatever escapes a handler becomes an OAuth error (protocol endpoints) or a
/// problem-details response (everything else), never a stack trace. A database that cannot be reached
/// answers 503 `temporarily_unavailable` (RFC 6749 §4.1.2.1), so clients retry instead of giving up.
/// </summary>
public static partial class ProtocolErrors
{
    public static IServiceCollection AddProtocolErrors(this IServiceCollection services)
    {
        services.AddProblemDetails();
        return services;
    }

    public static IApplicationBuilder UseProtocolErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var (status, error, description) = Classify(exception);
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProtocolErrors));
            if (status >= 500)
            {
                LogUnhandled(logger, exception.GetType().Name, context.Request.Path, exception);
            }

            await WriteAsync(context, status, error, description);
        }
    });

    /// <summary>
    /// A refusal in the shape the caller expects: an OAuth JSON error under /connect (RFC 6749 §5.2), problem
    /// details (RFC 9457) elsewhere. Whatever the response held so far is discarded.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        if (context.Request.Path.StartsWithSegments("/connect"))
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
            await Results.Problem(statusCode: status, title: description).ExecuteAsync(context);
        }
    }

    private static (int Status, string Error, string Description) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException bad => (bad.StatusCode, Errors.InvalidRequest, "The request is malformed or too large."),
        InvalidDataException => (StatusCodes.Status400BadRequest, Errors.InvalidRequest, "The request body is malformed."),
        _ when IsDatabaseOutage(exception) =>
            (StatusCodes.Status503ServiceUnavailable, Errors.TemporarilyUnavailable, "The server is temporarily unable to handle the request."),
        _ => (StatusCodes.Status500InternalServerError, Errors.ServerError, "The server encountered an unexpected error."),
    };

    /// <summary>EF Core and OpenIddict wrap the provider's exception (DbUpdateException, InvalidOperationException): look inside.</summary>
    private static bool IsDatabaseOutage(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DbException or TimeoutException or Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Error, Message = "Unhandled {ExceptionType} on {Path}")]
    private static partial void LogUnhandled(ILogger logger, string exceptionType, PathString path, Exception exception);
}
