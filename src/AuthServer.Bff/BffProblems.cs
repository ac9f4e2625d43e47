using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Bff;

/// <summary>
/// Every refusal and failure the BFF answers itself, as RFC 9457 problem details. A failure of something the BFF depends
/// on (the server, an API) is 424 Failed Dependency, not a 5xx: a 5xx from the BFF means the BFF itself is broken.
/// </summary>
public static class BffProblems
{
    public const string CsrfHeaderMissing = "urn:authserver:bff:csrf-header-missing";
    public const string NotSignedIn = "urn:authserver:bff:not-signed-in";
    public const string SessionEnded = "urn:authserver:bff:session-ended";
    public const string BadReturnUrl = "urn:authserver:bff:bad-return-url";
    public const string SignInFailed = "urn:authserver:bff:sign-in-failed";
    public const string AuthorityUnavailable = "urn:authserver:bff:authority-unavailable";
    public const string ApiUnavailable = "urn:authserver:bff:api-unavailable";
    public const string BadLogoutToken = "urn:authserver:bff:bad-logout-token";
    public const string BadSignOutState = "urn:authserver:bff:bad-sign-out-state";
    public const string BodyTooLarge = "urn:authserver:bff:body-too-large";

    internal static ProblemHttpResult CsrfHeader() => Problem(StatusCodes.Status400BadRequest, CsrfHeaderMissing, "The anti-forgery header is missing.",
        $"Send '{BffPaths.CsrfHeader}: {BffPaths.CsrfHeaderValue}' with every call to the BFF.");

    internal static ProblemHttpResult SignInRequired() => Problem(StatusCodes.Status401Unauthorized, NotSignedIn, "Not signed in.",
        $"Sign in at {BffPaths.Login} first.");

    internal static ProblemHttpResult Ended() => Problem(StatusCodes.Status401Unauthorized, SessionEnded, "The session has ended.",
        $"The server no longer accepts this session's tokens (expired, revoked or signed out). Sign in again at {BffPaths.Login}.");

    internal static ProblemHttpResult ReturnUrl() => Problem(StatusCodes.Status400BadRequest, BadReturnUrl, "The return URL is not local.",
        "returnUrl must be a path on this site, such as /orders.");

    internal static ProblemHttpResult SignIn(string reason) => Problem(StatusCodes.Status400BadRequest, SignInFailed, "Sign-in did not complete.", reason);

    internal static ProblemHttpResult Authority() => Problem(StatusCodes.Status424FailedDependency, AuthorityUnavailable,
        "The authorization server is not reachable.", "Nothing was lost: try again shortly.");

    internal static ProblemHttpResult Api() => Problem(StatusCodes.Status424FailedDependency, ApiUnavailable,
        "The API is not reachable.", "The BFF could not reach the API behind this path; try again shortly.");

    /// <summary>Back-Channel Logout 1.0 §2.8: a 400 whose body carries an OAuth error (RFC 6749 §5.2) beside the problem's fields.</summary>
    internal static ProblemHttpResult LogoutToken(string reason) => Problem(StatusCodes.Status400BadRequest, BadLogoutToken,
        "The logout token was refused.", reason, new Dictionary<string, object?> { ["error"] = "invalid_request", ["error_description"] = reason });

    internal static ProblemHttpResult SignOutState() => Problem(StatusCodes.Status400BadRequest, BadSignOutState, "Sign-out did not come from this site.",
        "The sign-out callback carries no state this BFF issued; nothing was changed.");

    internal static ProblemHttpResult TooLarge(long max) => Problem(StatusCodes.Status413PayloadTooLarge, BodyTooLarge, "The request body is too large.",
        $"The BFF accepts bodies of at most {max} bytes.");

    /// <summary>An error status with no body of its own (no route, wrong method, the cookie handler's 401/403): the status, as a problem.</summary>
    internal static ProblemHttpResult Status(int status) => TypedResults.Problem(status switch
    {
        StatusCodes.Status404NotFound => "Nothing is served at this path.",
        StatusCodes.Status405MethodNotAllowed => "This path does not accept this method.",
        _ => null,
    }, statusCode: status);

    /// <summary>Writes a problem from middleware, where no endpoint returns a result.</summary>
    internal static Task WriteAsync(HttpContext context, ProblemHttpResult problem)
    {
        context.Response.Headers.CacheControl = "no-store";
        return problem.ExecuteAsync(context);
    }

    private static ProblemHttpResult Problem(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: type, extensions: extensions);
}
