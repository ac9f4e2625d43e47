using System.ComponentModel.DataAnnotations;
using System.Net;
using AuthServer.Settings;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AuthServer.Hosting;

public sealed class SecurityHeadersOptions
{
    public const string Section = "SecurityHeaders";

    /// <summary>
    /// How long a browser keeps to HTTPS for this host after one HTTPS answer (RFC 6797 §6.1.1). One year by default,
    /// the floor that browser preload lists ask for; sent only outside Development.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "730.00:00:00")]
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How long any cache may keep the discovery document: it changes only with a deployment.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DiscoveryMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long any cache may keep the JWKS. Short: a key rollover waits for the APIs' own key cache (1 h) plus this, and an
    /// API that meets an unknown `kid` refetches after 5 minutes, which a longer-lived shared copy would defeat.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:15:00")]
    public TimeSpan JwksMaxAge { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The headers every answer carries, set in one place just before the response starts, so that error pages,
/// 404s and OpenIddict's own responses get them as well as our endpoints (and a cleared error response keeps them).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// For our pages (login, account, consent, sign-out) and OpenIddict's form_post page. Styles only from this origin (the one
    /// stylesheet, Pages/), none inline; scripts only from files of this origin (the passkey ceremonies, Pages/) and one
    /// inline script, OpenIddict's form_post auto-submit (`document.form.submit();`), allowed by its hash. No form-action: the consent post ends in a redirect to the client, which browsers would check against it.
    /// </summary>
    public const string PagePolicy =
        "default-src 'self'; style-src 'self'; script-src 'self' 'sha256-j7OoGArf6XW6YY4cAyS3riSSvrJRqpSi1fOF9vQ5SrI='; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>JSON, redirects and the rest: nothing in them is ever rendered, loaded or framed.</summary>
    public const string NonPagePolicy = "default-src 'none'; frame-ancestors 'none'";

    private static readonly PathString s_discovery = Tokens.Endpoints.Discovery;
    private static readonly PathString s_jwks = Tokens.Endpoints.Jwks;

    public static IServiceCollection AddSecurityHeaders(this IServiceCollection services)
    {
        services.BindSettings<SecurityHeadersOptions>(SecurityHeadersOptions.Section);
        return services;
    }

    /// <summary>After the forwarded headers, so HTTPS behind a TLS-terminating proxy counts as HTTPS for HSTS.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var environment = app.ApplicationServices.GetRequiredService<IHostEnvironment>();
        var options = app.ApplicationServices.GetRequiredService<IOptions<SecurityHeadersOptions>>().Value;

        // Development runs on plain HTTP and localhost: HSTS there would pin every local app on the machine to HTTPS.
        var hsts = environment.IsDevelopment() ? null : $"max-age={(long)options.HstsMaxAge.TotalSeconds}";
        var discovery = $"public, max-age={(long)options.DiscoveryMaxAge.TotalSeconds}";
        var jwks = $"public, max-age={(long)options.JwksMaxAge.TotalSeconds}";
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                CachePublicMetadata(context, discovery, jwks);
                Apply(context, hsts);
                return Task.CompletedTask;
            });
            return next(context);
        });
    }

    private static void Apply(HttpContext context, string? hsts)
    {
        var headers = context.Response.Headers;

        // A JSON error or a user-supplied value must never be sniffed into HTML or script.
        headers.XContentTypeOptions = "nosniff";

        // Authorization URLs carry codes, state and login hints: never leak them to another site (RFC 9700 §4.2.4).
        headers["Referrer-Policy"] = "no-referrer";

        // Tokens and personal data must not sit in any cache (RFC 6749 §5.1); an endpoint that knows its answer is
        // cacheable says so itself (discovery and JWKS, see CachePublicMetadata).
        if (StringValues.IsNullOrEmpty(headers.CacheControl))
        {
            headers.CacheControl = "no-store";
        }

        // No page of an authorization server is ever shown inside another site's frame (clickjacking, RFC 6749 §10.13);
        // X-Frame-Options for browsers that predate frame-ancestors. Antiforgery's SAMEORIGIN is overridden here.
        headers.ContentSecurityPolicy = IsHtml(context.Response.ContentType) ? PagePolicy : NonPagePolicy;
        headers.XFrameOptions = "DENY";

        // RFC 6797 §7.2: only over HTTPS. Loopback names are left out, as the framework's own HSTS middleware does.
        if (hsts is not null && context.Request.IsHttps && !IsLoopback(context.Request.Host.Host))
        {
            headers.StrictTransportSecurity = hsts;
        }
    }

    /// <summary>
    /// Discovery and JWKS are the same for every caller and fetched by every API and client: shared caches may keep them,
    /// briefly. Only successful answers: an error must not be kept.
    /// </summary>
    private static void CachePublicMetadata(HttpContext context, string discovery, string jwks)
    {
        if (context.Response.StatusCode == StatusCodes.Status200OK)
        {
            var path = context.Request.Path;
            if (path.Equals(s_discovery, StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers.CacheControl = discovery;
            }
            else if (path.Equals(s_jwks, StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers.CacheControl = jwks;
            }
        }
    }

    private static bool IsHtml(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/xhtml+xml", StringComparison.OrdinalIgnoreCase));

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
