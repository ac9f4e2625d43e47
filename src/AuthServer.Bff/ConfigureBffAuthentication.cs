using AuthServer.Bff.Endpoints;
using AuthServer.Bff.Sessions;
using AuthServer.Bff.Tokens;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AuthServer.Bff;

/// <summary>The session cookie: HttpOnly, Secure, SameSite=Strict, pointing at a server-side row; no redirects, only status codes.</summary>
internal sealed class ConfigureBffCookie(IOptions<AuthServerBffOptions> settings, SessionTicketStore store) : IConfigureNamedOptions<CookieAuthenticationOptions>
{
    public void Configure(string? name, CookieAuthenticationOptions options)
    {
        if (name == BffSchemes.Cookie)
        {
            Configure(options);
        }
    }

    public void Configure(CookieAuthenticationOptions options)
    {
        var value = settings.Value;
        options.Cookie.Name = value.CookieName;
        options.Cookie.HttpOnly = true;
        options.Cookie.SecurePolicy = CookieSecurePolicy.Always;

        // Strict: no cross-site request carries it. The SPA's own fetches are same-site; its page itself needs no cookie.
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.Path = "/";
        options.Cookie.IsEssential = true;
        options.ExpireTimeSpan = value.SessionLifetime;
        options.SlidingExpiration = false;
        options.SessionStore = store;
        options.Events.OnRedirectToLogin = context => Status(context, StatusCodes.Status401Unauthorized);
        options.Events.OnRedirectToAccessDenied = context => Status(context, StatusCodes.Status403Forbidden);
    }

    private static Task Status(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}

/// <summary>The framework's OpenID Connect handler as a confidential client: code + PKCE (RFC 9700 §2.1.1), tokens saved to the session.</summary>
internal sealed class ConfigureBffOpenIdConnect(IOptions<AuthServerBffOptions> settings, ILoggerFactory loggers) : IConfigureNamedOptions<OpenIdConnectOptions>
{
    public void Configure(string? name, OpenIdConnectOptions options)
    {
        if (name == BffSchemes.OpenIdConnect)
        {
            Configure(options);
        }
    }

    public void Configure(OpenIdConnectOptions options)
    {
        var value = settings.Value;
        var logger = loggers.CreateLogger<ConfigureBffOpenIdConnect>();
        options.Authority = value.Authority!.AbsoluteUri;
        options.ClientId = value.ClientId;
        options.ClientSecret = value.ClientSecret;
        options.RequireHttpsMetadata = value.RequireHttpsMetadata;
        options.ResponseType = OpenIdConnectResponseType.Code;

        // The code comes back on a top-level GET, which carries the Lax correlation and nonce cookies; form_post would need SameSite=None.
        options.ResponseMode = OpenIdConnectResponseMode.Query;
        options.UsePkce = true;
        options.SaveTokens = true;
        options.MapInboundClaims = false;
        options.GetClaimsFromUserInfoEndpoint = false;
        options.DisableTelemetry = true;
        options.BackchannelTimeout = value.BackchannelTimeout;
        options.Scope.Clear();
        foreach (var scope in value.Scopes)
        {
            options.Scope.Add(scope);
        }

        options.CallbackPath = BffPaths.SignInCallback;
        options.SignedOutCallbackPath = BffPaths.SignOutCallback;
        options.SignedOutRedirectUri = "/";
        options.SignInScheme = BffSchemes.Cookie;
        options.SignOutScheme = BffSchemes.Cookie;
        options.TokenValidationParameters.NameClaimType = "name";
        options.TokenValidationParameters.RoleClaimType = "role";

        // Lax only here: these two cookies must survive the server's redirect back to the callback, and live minutes.
        foreach (var cookie in new[] { options.CorrelationCookie, options.NonceCookie })
        {
            cookie.SameSite = SameSiteMode.Lax;
            cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.HttpOnly = true;
        }

        options.Events.OnTicketReceived = context =>
        {
            // Runs before the session is stored: the redirect after it must not fail (a state minted before encoding, or not by /bff/login).
            context.ReturnUri = BffEndpoints.LocalReturnUrl(context.ReturnUri ?? "/") ?? "/";
            BffLog.SignedIn(logger, context.Principal?.FindFirst("sub")?.Value ?? "-", context.Principal?.FindFirst("sid")?.Value ?? "-");
            return Task.CompletedTask;
        };
        options.Events.OnRemoteFailure = async context =>
        {
            context.HandleResponse();
            var failure = context.Failure;
            var outage = failure is not null && (AuthorityClient.IsOutage(failure) || (failure.InnerException is { } inner && AuthorityClient.IsOutage(inner)));
            BffLog.SignInFailed(logger, failure?.GetType().Name ?? "unknown");
            await BffProblems.WriteAsync(context.HttpContext, outage
                ? BffProblems.Authority()
                : BffProblems.SignIn($"The server's answer could not be accepted; start again at {BffPaths.Login}."));
        };
        options.Events.OnSignedOutCallbackRedirect = async context =>
        {
            // Every sign-out this BFF starts carries a state it protected, naming where to go; anything else is answered, not an empty 200.
            if (context.Properties?.RedirectUri is { Length: > 0 } target)
            {
                context.Properties.RedirectUri = BffEndpoints.LocalReturnUrl(target) ?? "/";
                return;
            }

            context.HandleResponse();
            BffLog.SignOutCallbackRefused(logger);
            await BffProblems.WriteAsync(context.HttpContext, BffProblems.SignOutState());
        };
        options.Events.OnRedirectToIdentityProviderForSignOut = async context =>
        {
            if (context.HttpContext.Items[BffEndpoints.IdTokenHintItem] is string hint)
            {
                context.ProtocolMessage.IdTokenHint = hint;
            }

            context.ProtocolMessage.ClientId = value.ClientId;

            // The handler adds state only after this event; the callback needs it to know where to send the browser.
            context.ProtocolMessage.State = context.Options.StateDataFormat.Protect(context.Properties);
            context.HandleResponse();
            await LogoutForm.WriteAsync(context.HttpContext, context.ProtocolMessage.IssuerAddress, context.ProtocolMessage.Parameters);
        };
    }
}
