using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using AuthServer.Sessions;
using AuthServer.Throttling;
using AuthServer.Tokens;
using AuthServer.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Login;

/// <summary>The server's login form: server-rendered HTML, antiforgery-protected, one message for every failure.</summary>
public static class LoginPage
{
    public const string Path = "/account/login";
    public const string ReturnUrlParameter = "returnUrl";
    public const string AntiforgeryField = "__RequestVerificationToken";

    private const string InvalidCredentials = "The user name or password is incorrect, or the account cannot sign in right now.";

    public static IEndpointRouteBuilder MapLoginPage(this IEndpointRouteBuilder app)
    {
        // Framing, caching and sniffing rules for this page come from Hosting/SecurityHeaders, as for every page.
        var group = app.MapGroup(Path).ExcludeFromDescription();
        group.MapGet("", Show);
        group.MapPost("", SubmitAsync).DisableAntiforgery();
        return app;
    }

    private static ContentHttpResult Show(HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        Render(context, antiforgery, SafeReturnUrl(returnUrl), userName: "", error: null);

    private static async Task<IResult> SubmitAsync(HttpContext context, IAntiforgery antiforgery, UserGate gate, BrowserSessions sessions, TimeProvider clock)
    {
        try
        {
            if (!context.Request.HasFormContentType)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The sign-in form must be posted as a form.");
            }

            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired or did not come from this site. Reload the page and try again.");
        }

        var form = await context.Request.ReadFormAsync();
        var userName = form["username"].ToString().Trim();
        var returnUrl = SafeReturnUrl(form[ReturnUrlParameter]);
        var clientId = ClientOf(returnUrl);
        var attempt = new SignInAttempt(userName, form["password"].ToString(), clientId, SourceAddress.Of(context));
        var signIn = await gate.CheckPasswordAsync(attempt, context.RequestAborted);
        if (signIn.IsThrottled)
        {
            TooManyRequests.SetRetryAfter(context.Response, signIn.RetryAfter);
            return Render(context, antiforgery, returnUrl, userName, TooManyAttempts(signIn.RetryAfter), StatusCodes.Status429TooManyRequests);
        }

        if (!signIn.Succeeded)
        {
            // One message whatever failed: the page must not reveal whether an account exists or is locked.
            return Render(context, antiforgery, returnUrl, userName, InvalidCredentials);
        }

        var user = signIn.User!;
        var session = await sessions.StartAsync(user.Id, clientId, context, context.RequestAborted);
        var identity = new ClaimsIdentity(LoginSetup.Scheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user.Id));
        identity.AddClaim(new Claim(BrowserSessions.SessionIdClaim, session.Id));
        identity.AddClaim(new Claim(Claims.Name, user.UserName ?? user.Id));

        // Kept so /connect/authorize can re-check the user (a password change ends the session) and honour max_age.
        identity.AddClaim(new Claim(UserGate.SecurityStampClaim, user.SecurityStamp ?? ""));
        identity.AddClaim(new Claim(LoginSetup.AuthTimeClaim,
            clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));

        await context.SignInAsync(LoginSetup.Scheme, new ClaimsPrincipal(identity));
        return TypedResults.Redirect(returnUrl);
    }

    /// <summary>Only a path on this server: anything else would make the login page an open redirector (RFC 9700 §4.11).</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : "/";

    /// <summary>The client whose authorization request sent the user here, for the session record and the audit trail.</summary>
    private static string? ClientOf(string returnUrl) =>
        returnUrl.StartsWith(Endpoints.Authorization + "?", StringComparison.Ordinal)
            ? QueryHelpers.ParseQuery(returnUrl[returnUrl.IndexOf('?', StringComparison.Ordinal)..]).GetValueOrDefault(Parameters.ClientId).ToString() is { Length: > 0 } id ? id : null
            : null;

    private static string TooManyAttempts(TimeSpan retryAfter) =>
        $"Too many sign-in attempts. Try again in {TooManyRequests.Seconds(retryAfter).ToString(CultureInfo.InvariantCulture)} seconds.";

    private static ContentHttpResult Render(HttpContext context, IAntiforgery antiforgery, string returnUrl, string userName, string? error, int status = StatusCodes.Status200OK)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var e = HtmlEncoder.Default;
        var alert = error is null ? "" : $"""<p class="error" role="alert" id="login-error">{e.Encode(error)}</p>""";
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in</title>
            <style>
            :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
            body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f4f6; color: #111827; }
            main { width: min(22rem, 90vw); background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 10px 30px rgb(0 0 0 / .08); }
            h1 { font-size: 1.4rem; margin: 0 0 1.5rem; }
            label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
            input[type=text], input[type=password] { box-sizing: border-box; width: 100%; padding: .6rem .7rem; font-size: 1rem; border: 1px solid #9ca3af; border-radius: 8px; }
            input:focus-visible, button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
            button { margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1rem; font-weight: 600; color: #fff; background: #1d4ed8; border: 0; border-radius: 8px; cursor: pointer; }
            button:hover { background: #1e40af; }
            .error { margin: 0 0 1rem; padding: .6rem .7rem; border-radius: 8px; background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
            @media (prefers-color-scheme: dark) { body { background: #111827; color: #f9fafb; } main { background: #1f2937; } input[type=text], input[type=password] { background: #111827; color: #f9fafb; } }
            </style>
            </head>
            <body>
            <main>
            <h1>Sign in</h1>
            {{alert}}
            <form method="post" action="{{e.Encode(Path)}}">
            <input type="hidden" name="{{e.Encode(tokens.FormFieldName)}}" value="{{e.Encode(tokens.RequestToken ?? "")}}">
            <input type="hidden" name="{{ReturnUrlParameter}}" value="{{e.Encode(returnUrl)}}">
            <label for="username">User name or email</label>
            <input type="text" id="username" name="username" value="{{e.Encode(userName)}}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            </main>
            </body>
            </html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
