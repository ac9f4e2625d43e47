using Microsoft.Net.Http.Headers;

namespace AuthServer.Pages;

/// <summary>
/// The server's HTML pages: Razor components rendered on the server (RazorComponentResult), no interactivity and no
/// script but the passkey ceremonies' (a file, never inline), one layout (PageLayout) and one stylesheet. Encoding is the renderer's; security headers are Hosting/SecurityHeaders'.
/// </summary>
public static class PagesSetup
{
    public const string Stylesheet = "/css/site.css";

    /// <summary>The one script of the pages: the WebAuthn calls of the login and account pages, which no form can make.</summary>
    public const string PasskeyScript = "/js/passkeys.js";

    public static IServiceCollection AddPages(this IServiceCollection services)
    {
        services.AddRazorComponents();
        return services;
    }

    /// <summary>The stylesheet from wwwroot; revalidated on every use (no fingerprint in its name), so a deployment shows at once.</summary>
    public static IApplicationBuilder UsePageAssets(this IApplicationBuilder app) => app.UseStaticFiles(new StaticFileOptions
    {
        OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = CacheControlHeaderValue.NoCacheString,
    });
}
