using System.Globalization;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Throttling;

/// <summary>The one shape of a throttled answer: 429 with Retry-After (RFC 9110 §10.2.3, RFC 6585 §4).</summary>
public static class TooManyRequests
{
    public const string Description = "Too many attempts. Retry after the time given in the Retry-After header.";

    /// <summary>At protocol endpoints: an OAuth error body, as clients parse every other refusal there.</summary>
    public static IResult OAuthError(HttpResponse response, TimeSpan retryAfter)
    {
        SetRetryAfter(response, retryAfter);
        return Results.Json(
            new Dictionary<string, string> { ["error"] = Errors.TemporarilyUnavailable, ["error_description"] = Description },
            statusCode: StatusCodes.Status429TooManyRequests);
    }

    public static void SetRetryAfter(HttpResponse response, TimeSpan retryAfter)
    {
        response.Headers.RetryAfter = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
    }

    /// <summary>Whole seconds, rounded up, at least one: "retry now" would only invite the next refusal.</summary>
    public static int Seconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
}
