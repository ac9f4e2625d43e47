namespace AuthServer.Hosting;

/// <summary>
/// RFC 6750 §2.1: `Authorization: Bearer 1*SP b64token`. OpenIddict (userinfo, the admin API) reads exactly one space
/// after the scheme, while the JWT bearer handler of the resource APIs trims any number; folding the spaces (and tabs,
/// the other whitespace of RFC 9110 §5.6.3) here makes every bearer endpoint of the system accept the same headers.
/// </summary>
public static class BearerHeader
{
    private const string Scheme = "Bearer";

    public static IApplicationBuilder UseBearerHeaderSpacing(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Request.Headers;
        if (headers.Authorization is { Count: 1 } values && Normalize(values[0]) is { } normalized)
        {
            headers.Authorization = normalized;
        }

        return next(context);
    });

    /// <summary>The header with one space after the scheme, or null when it is no bearer header.</summary>
    internal static string? Normalize(string? value) =>
        value is { Length: > 7 }
        && value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
        && value[Scheme.Length] is ' ' or '\t'
            ? string.Concat(value.AsSpan(0, Scheme.Length), " ", value.AsSpan(Scheme.Length).TrimStart(" \t"))
            : null;
}
