using AuthServer.Settings;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace AuthServer.Login;

/// <summary>The server's own login session: a cookie that only this server reads, and the antiforgery tokens of its forms.</summary>
public static class LoginSetup
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>Unix seconds of the password check, for OIDC max_age (OIDC Core §3.1.2.1).</summary>
    public const string AuthTimeClaim = "auth_time";

    public const string SessionCookie = "authserver.session";
    public const string AntiforgeryCookie = "authserver.antiforgery";
    public const string HostPrefix = "__Host-";

    public static IServiceCollection AddLogin(this IServiceCollection services)
    {
        services.BindSettings<LoginOptions>(LoginOptions.Section);
        services.AddSingleton<IValidateOptions<LoginOptions>, LoginOptionsValidator>();
        services.AddAuthentication().AddCookie(Scheme);
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<LoginOptions>, IHostEnvironment>((cookie, login, environment) =>
        {
            cookie.Cookie.Name = CookieName(environment, SessionCookie);
            cookie.Cookie.Path = "/";
            cookie.Cookie.HttpOnly = true;

            // Lax, not Strict: the cookie must come along when a client redirects the browser to /connect/authorize.
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = SecurePolicy(environment);
            cookie.ExpireTimeSpan = login.Value.SessionLifetime;
            cookie.SlidingExpiration = false;
            cookie.LoginPath = LoginPage.Path;
            cookie.ReturnUrlParameter = LoginPage.ReturnUrlParameter;

            // The cookie only points at a server-side session row (Sessions/), checked on every use.
            cookie.EventsType = typeof(Sessions.SessionCookieEvents);
        });

        services.AddAntiforgery();
        services.AddOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>().Configure<IHostEnvironment>((antiforgery, environment) =>
        {
            antiforgery.Cookie.Name = CookieName(environment, AntiforgeryCookie);
            antiforgery.Cookie.Path = "/";
            antiforgery.Cookie.SecurePolicy = SecurePolicy(environment);
            antiforgery.FormFieldName = LoginPage.AntiforgeryField;
        });
        return services;
    }

    /// <summary>
    /// `__Host-` (RFC 6265bis §4.1.3.2): the browser keeps such a cookie only if it is Secure, for Path=/ and without a
    /// Domain, so a sibling subdomain can neither set nor overwrite it (no login CSRF by a tossed session or antiforgery
    /// cookie). Development runs on plain HTTP, where a Secure cookie would be refused, and keeps the bare name.
    /// </summary>
    public static string CookieName(IHostEnvironment environment, string name) => environment.IsDevelopment() ? name : HostPrefix + name;

    // Plain HTTP only for the local Development issuer; everywhere else the cookie never leaves TLS.
    private static CookieSecurePolicy SecurePolicy(IHostEnvironment environment) =>
        environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
}
