using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.ErrorHandling;

/// <summary>
/// The last line of defence, run by <c>UseExceptionHandler</c>: whatever escapes a handler becomes an OAuth error
/// (protocol endpoints) or a problem-details response (everything else), never a stack trace. A database that cannot
/// be reached answers 503 `temporarily_unavailable` (RFC 6749 §4.1.2.1), so clients retry instead of giving up.
/// </summary>
public sealed partial class ProtocolExceptionHandler(ILogger<ProtocolExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted || cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var (status, error, description) = Classify(exception, httpContext.Request.Path);
        if (status >= 500)
        {
            LogUnhandled(logger, exception.GetType().Name, httpContext.Request.Path, exception);
        }
        else
        {
            // The caller's mistake, not ours: one line, no stack trace.
            LogBadRequest(logger, status, exception.GetType().Name, httpContext.Request.Path);
        }

        await ProtocolErrors.WriteAsync(httpContext, status, error, description);
        return true;
    }

    private static (int Status, string Error, string Description) Classify(Exception exception, PathString path) => exception switch
    {
        BadHttpRequestException bad => (bad.StatusCode, Errors.InvalidRequest, "The request is malformed or too large."),
        InvalidDataException => (StatusCodes.Status400BadRequest, Errors.InvalidRequest, "The request body is malformed."),
        _ when IsRevokedMeanwhile(exception) => path.StartsWithSegments(Tokens.Endpoints.Token)
            ? (StatusCodes.Status400BadRequest, Errors.InvalidGrant, "The grant was revoked while this request was under way.")
            : (StatusCodes.Status409Conflict, Errors.InvalidRequest, "The grant was revoked while this request was under way; start again."),
        _ when Persistence.UniqueViolation.Is(exception) =>
            (StatusCodes.Status409Conflict, "conflict", "Another request created the same thing at the same moment; read it again before retrying."),
        _ when IsDatabaseOutage(exception) =>
            (StatusCodes.Status503ServiceUnavailable, Errors.TemporarilyUnavailable, "The server is temporarily unable to handle the request."),
        _ => (StatusCodes.Status500InternalServerError, Errors.ServerError, "The server encountered an unexpected error."),
    };

    /// <summary>
    /// A token entry changed between its read and its write: a revocation (which stamps every row it touches) landed while
    /// this request was minting from the same grant. The grant is dead; the caller gets the OAuth answer for that, not a 500.
    /// </summary>
    private static bool IsRevokedMeanwhile(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is OpenIddict.Abstractions.OpenIddictExceptions.ConcurrencyException or Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException)
            {
                return true;
            }
        }

        return false;
    }

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

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Bad request answered {StatusCode}: {ExceptionType} on {Path}")]
    private static partial void LogBadRequest(ILogger logger, int statusCode, string exceptionType, PathString path);
}
