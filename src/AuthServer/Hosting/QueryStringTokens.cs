using AuthServer.Admin;
using AuthServer.ErrorHandling;
using AuthServer.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Hosting;

/// <summary>
/// RFC 6750 §2.3 and §5.3: an access token in a URL ends up in proxy, server and browser logs. Where this server
/// accepts bearer tokens (the admin API, userinfo) one in the query string is refused outright, never tried,
/// and the answer does not repeat it. The admin API's validation reads the Authorization header only (AdminSetup).
/// </summary>
public static class QueryStringTokens
{
    private static readonly PathString[] s_bearerPaths = [AdminSetup.Prefix, Endpoints.UserInfo];

    public static IApplicationBuilder UseNoTokensInQueryString(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // The query collection ignores case, so Access_Token is caught too.
        if (context.Request.Query.ContainsKey(Parameters.AccessToken)
            && Array.Exists(s_bearerPaths, path => context.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase)))
        {
            await ProtocolErrors.WriteAsync(context, StatusCodes.Status400BadRequest, Errors.InvalidRequest,
                "Access tokens are accepted in the Authorization header only, never in the query string.");
            return;
        }

        await next(context);
    });
}
