using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AuthServer.ResourceServer;

/// <summary>
/// What a resource API answers around its bearer handler, the same whichever handler it uses (JwtBearer or
/// OpenIddict.Validation) and the same as AuthServer's own bearer endpoints (userinfo, admin API).
/// </summary>
public static partial class BearerResponses
{
    private const string Scheme = "Bearer";

    /// <summary>
    /// Before authentication: `Bearer` followed by one or more spaces is one header (RFC 6750 §2.1, 1*SP), whichever
    /// handler reads it. After the endpoint: a 401 or 403 the handler left without a body gets a JSON error naming
    /// the RFC 6750 §3.1 code, and a bare 403 gets `insufficient_scope` in WWW-Authenticate too.
    /// </summary>
    public static IApplicationBuilder UseBearerResponses(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Request.Headers;
        if (headers.Authorization is { Count: 1 } values && NormalizeSpacing(values[0]) is { } normalized)
        {
            headers.Authorization = normalized;
        }

        await next(context);

        var response = context.Response;
        if (response is { HasStarted: false, StatusCode: >= 400 and < 500, ContentLength: null or 0, ContentType: null }
            && !HttpMethods.IsHead(context.Request.Method))
        {
            var challenge = ErrorParameter().Match(response.Headers.WWWAuthenticate.ToString());
            var error = challenge.Success ? challenge.Groups[1].Value : response.StatusCode switch
            {
                StatusCodes.Status401Unauthorized => "invalid_token",
                StatusCodes.Status403Forbidden => "insufficient_scope",
                _ => "invalid_request",
            };
            if (response.StatusCode == StatusCodes.Status403Forbidden && !challenge.Success)
            {
                response.Headers.WWWAuthenticate = $"Bearer error=\"{error}\"";
            }

            response.Headers.CacheControl = "no-store";
            response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(response.Body, new Dictionary<string, string>
            {
                ["error"] = error,
                ["error_description"] = response.StatusCode switch
                {
                    StatusCodes.Status401Unauthorized => "A valid access token is required.",
                    StatusCodes.Status403Forbidden => "The access token does not allow this request.",
                    StatusCodes.Status404NotFound => "There is nothing at this address.",
                    StatusCodes.Status405MethodNotAllowed => "This endpoint does not accept this method.",
                    _ => "The request was refused.",
                },
            }, cancellationToken: context.RequestAborted);
        }
    });

    /// <summary>The header with one space after the scheme (a run of spaces or tabs folded, as on the server), or null when it is no bearer header.</summary>
    public static string? NormalizeSpacing(string? value) =>
        value is { Length: > 7 }
        && value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
        && value[Scheme.Length] is ' ' or '\t'
            ? string.Concat(value.AsSpan(0, Scheme.Length), " ", value.AsSpan(Scheme.Length).TrimStart(" \t"))
            : null;

    [GeneratedRegex("error=\"([a-z_]{1,64})\"")]
    private static partial Regex ErrorParameter();
}
