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

    public static IServiceCollection AddLogin(this IServiceCollection services)
    {
        services.BindSettings<LoginOptions>(LoginOptions.Section);
        services.AddSingleton<IValidateOptions<LoginOptions>, LoginOptionsValidator>();
        services.AddAuthentication().AddCookie(Scheme);
        services.AddScoped<Sessions.BrowserSessions>();
        services.AddScoped<Sessions.SessionCookieEvents>();
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<LoginOptions>, IHostEnvironment>((cookie, login, environment) =>
        {
            cookie.Cookie.Name = "authserver.session";
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
            antiforgery.Cookie.Name = "authserver.antiforgery";
            antiforgery.Cookie.SecurePolicy = SecurePolicy(environment);
            antiforgery.FormFieldName = LoginPage.AntiforgeryField;
        });
        return services;
    }

    // Plain HTTP only for the local Development issuer; everywhere else the cookie never leaves TLS.
    private static CookieSecurePolicy SecurePolicy(IHostEnvironment environment) =>
        environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
}
