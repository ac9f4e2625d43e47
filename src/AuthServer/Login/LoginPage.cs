using System.Globalization;
using System.Security.Claims;
using AuthServer.Pages;
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

/// <summary>The server's login form (LoginForm.razor): antiforgery-protected, one message for every failure.</summary>
public static class LoginPage
{
    public const string Path = "/account/login";
    public const string ReturnUrlParameter = "returnUrl";
    public const string AntiforgeryField = "__RequestVerificationToken";

    private const string UnreadableForm = "The form could not be read: a field holds a control character (such as NUL) or there are too many fields. Check what you typed and try again.";

    private const string InvalidCredentials = "The user name or password is incorrect, or the account cannot sign in right now.";

    public static IEndpointRouteBuilder MapLoginPage(this IEndpointRouteBuilder app)
    {
        // Framing, caching and sniffing rules for this page come from Hosting/SecurityHeaders, as for every page.
        var group = app.MapGroup(Path).ExcludeFromDescription();
        group.MapGet("", Show);
        group.MapPost("", SubmitAsync).ValidateAntiforgery();
        return app;
    }

    private static RazorComponentResult<LoginForm> Show(string? returnUrl) => Render(SafeReturnUrl(returnUrl), userName: "", error: null);

    private static async Task<IResult> SubmitAsync(HttpContext context, UserGate gate, BrowserSessions sessions, KnownDevices devices, TimeProvider clock)
    {
        if (!context.HasValidAntiforgeryToken())
        {
            if (IsUnreadableForm(context))
            {
                // The token may be fine: the framework refuses the whole form (a NUL or other control character, too many fields).
                return Render("/", userName: "", UnreadableForm, StatusCodes.Status400BadRequest);
            }

            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired or did not come from this site. Reload the page and try again.");
        }

        if (!context.Request.HasFormContentType)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The sign-in form must be posted as a form.");
        }

        var form = await context.Request.ReadFormAsync();
        var userName = form["username"].ToString().Trim();
        var returnUrl = SafeReturnUrl(form[ReturnUrlParameter]);
        var clientId = ClientOf(returnUrl);
        var attempt = new SignInAttempt(userName, form["password"].ToString(), clientId, SourceAddress.Of(context), devices.Read(context.Request));
        var signIn = await gate.CheckPasswordAsync(attempt, context.RequestAborted);
        if (signIn.IsThrottled)
        {
            TooManyRequests.SetRetryAfter(context.Response, signIn.RetryAfter);
            return Render(returnUrl, userName, TooManyAttempts(signIn.RetryAfter), StatusCodes.Status429TooManyRequests);
        }

        if (!signIn.Succeeded)
        {
            // One message whatever failed: the page must not reveal whether an account exists or is locked.
            return Render(returnUrl, userName, InvalidCredentials);
        }

        var user = signIn.User!;
        devices.Remember(context, user.Id);
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

    /// <summary>
    /// Only a path on this server: anything else would make the login page an open redirector (RFC 9700 §4.11). Printable
    /// ASCII only: a Location header cannot carry anything else (the server would fail after the session began), and the
    /// return URLs this server builds are percent-encoded, so anything else was typed by hand.
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && url.All(c => c is >= '!' and <= '~')
            ? url
            : "/";

    private static bool IsUnreadableForm(HttpContext context) =>
        context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false, Error: { } error }
        && (error is InvalidDataException || error.InnerException is InvalidDataException);

    /// <summary>
    /// The client whose authorization request sent the user here, for the session record and the audit trail. The form
    /// field is the caller's to write: an id longer than any client's is dropped rather than logged.
    /// </summary>
    private static string? ClientOf(string returnUrl) =>
        returnUrl.StartsWith(Endpoints.Authorization + "?", StringComparison.Ordinal)
            && QueryHelpers.ParseQuery(returnUrl[returnUrl.IndexOf('?', StringComparison.Ordinal)..]).GetValueOrDefault(Parameters.ClientId).ToString() is
                { Length: > 0 and <= Persistence.BrowserSession.ClientIdLength } id
            ? id
            : null;

    private static string TooManyAttempts(TimeSpan retryAfter) =>
        $"Too many sign-in attempts. Try again in {TooManyRequests.Seconds(retryAfter).ToString(CultureInfo.InvariantCulture)} seconds.";

    private static RazorComponentResult<LoginForm> Render(string returnUrl, string userName, string? error, int status = StatusCodes.Status200OK) =>
        new(new Dictionary<string, object?>
        {
            [nameof(LoginForm.ReturnUrl)] = returnUrl,
            [nameof(LoginForm.UserName)] = userName,
            [nameof(LoginForm.Error)] = error,
        })
        { StatusCode = status };
}
