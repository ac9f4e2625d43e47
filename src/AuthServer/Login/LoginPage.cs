using System.Globalization;
using System.Security.Claims;
using AuthServer.Pages;
using AuthServer.Passkeys;
using AuthServer.Sessions;
using AuthServer.Throttling;
using AuthServer.Tokens;
using AuthServer.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Login;

/// <summary>The server's login form (LoginForm.razor): a password or a passkey, antiforgery-protected, one message for every failure.</summary>
public static class LoginPage
{
    public const string Path = "/account/login";
    public const string ReturnUrlParameter = "returnUrl";
    public const string AntiforgeryField = "__RequestVerificationToken";

    private const string UnreadableForm = "The form could not be read: a field holds a control character (such as NUL) or there are too many fields. Check what you typed and try again.";

    private const string PasskeyFailed = "That passkey could not sign you in. Try again, or use your password.";

    /// <summary>A WebAuthn credential in JSON is a few kilobytes at most; the form limit would allow far more.</summary>
    private const int MaxCredentialLength = 16 * 1024;

    private const string InvalidCredentials = "The user name or password is incorrect, or the account cannot sign in right now.";

    public static IEndpointRouteBuilder MapLoginPage(this IEndpointRouteBuilder app)
    {
        // Framing, caching and sniffing rules for this page come from Hosting/SecurityHeaders, as for every page.
        var group = app.MapGroup(Path).ExcludeFromDescription();
        group.MapGet("", ShowAsync);
        group.MapPost("", SubmitAsync).ValidateAntiforgery();
        group.MapPost(PasskeyPath, SubmitPasskeyAsync).ValidateAntiforgery();
        return app;
    }

    /// <summary>Where the passkey form posts, below <see cref="Path"/>.</summary>
    public const string PasskeyPath = "/passkey";

    /// <summary>Set by pages that send a signed-in user back here to confirm it is them (Account/): the page says so.</summary>
    public const string ConfirmParameter = "confirm";

    private static Task<RazorComponentResult<LoginForm>> ShowAsync(HttpContext context, string? returnUrl, string? confirm) =>
        RenderAsync(context, SafeReturnUrl(returnUrl), userName: "", error: null, confirm: confirm is "1");

    private static async Task<IResult> SubmitAsync(HttpContext context, UserGate gate, BrowserSessions sessions, KnownDevices devices, TimeProvider clock)
    {
        if (await RefuseFormAsync(context) is { } refused)
        {
            return refused;
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
            return await RenderAsync(context, returnUrl, userName, TooManyAttempts(signIn.RetryAfter), status: StatusCodes.Status429TooManyRequests);
        }

        if (!signIn.Succeeded)
        {
            // One message whatever failed: the page must not reveal whether an account exists or is locked.
            return await RenderAsync(context, returnUrl, userName, InvalidCredentials);
        }

        devices.Remember(context, signIn.User!.Id);
        return await CompleteAsync(context, signIn.User!, clientId, returnUrl, sessions, clock);
    }

    /// <summary>
    /// The passkey form: the browser's credential (navigator.credentials.get, posted by /js/passkeys.js) and the sealed
    /// ceremony state the page was rendered with. The same source limit, lock and sign-in rules as a password.
    /// </summary>
    private static async Task<IResult> SubmitPasskeyAsync(
        HttpContext context, UserGate gate, PasskeyCeremonies ceremonies, BrowserSessions sessions, IOptions<PasskeyOptions> passkeys, TimeProvider clock)
    {
        if (await RefuseFormAsync(context) is { } refused)
        {
            return refused;
        }

        var form = await context.Request.ReadFormAsync();
        var returnUrl = SafeReturnUrl(form[ReturnUrlParameter]);
        var clientId = ClientOf(returnUrl);
        var source = SourceAddress.Of(context);
        if (!passkeys.Value.Enabled || form["credential"].ToString() is not { Length: > 0 and <= MaxCredentialLength } credential
            || form["state"].ToString() is not { Length: > 0 and <= MaxCredentialLength } state)
        {
            return await RenderAsync(context, returnUrl, "", PasskeyFailed, status: StatusCodes.Status400BadRequest);
        }

        if (gate.ThrottlePasskeyAttempt(clientId, source) is { } throttled)
        {
            TooManyRequests.SetRetryAfter(context.Response, throttled.RetryAfter);
            return await RenderAsync(context, returnUrl, "", TooManyAttempts(throttled.RetryAfter), status: StatusCodes.Status429TooManyRequests);
        }

        var ceremony = await ceremonies.FinishSignInAsync(context, credential, state);
        var signIn = await gate.CheckPasskeyAsync(ceremony, clientId, source, context.RequestAborted);
        return signIn.Succeeded
            ? await CompleteAsync(context, signIn.User!, clientId, returnUrl, sessions, clock)
            : await RenderAsync(context, returnUrl, "", PasskeyFailed);
    }

    /// <summary>
    /// The login cookie for <paramref name="user"/>. Signing in again as the user this browser is already signed in as
    /// (a client's prompt=login or max_age, the account page's confirmation) renews the same session: its id, its grants
    /// and its place in the user's list stay, only the authentication time moves. Anyone else starts a new session.
    /// </summary>
    private static async Task<IResult> CompleteAsync(HttpContext context, IdentityUser user, string? clientId, string returnUrl, BrowserSessions sessions, TimeProvider clock)
    {
        var current = await context.AuthenticateAsync(LoginSetup.Scheme);
        var sessionId = current.Principal?.FindFirst(Claims.Subject)?.Value == user.Id
            && await sessions.FindLiveAsync(current.Principal.FindFirst(BrowserSessions.SessionIdClaim)?.Value, context.RequestAborted) is { } live
            ? live.Id
            : (await sessions.StartAsync(user.Id, clientId, context, context.RequestAborted)).Id;
        await SignInBrowserAsync(context, user, sessionId, clock);
        return TypedResults.Redirect(returnUrl);
    }

    /// <summary>The login cookie: it names the user and points at the session row, which every use of it checks.</summary>
    public static Task SignInBrowserAsync(HttpContext context, IdentityUser user, string sessionId, TimeProvider clock)
    {
        var identity = new ClaimsIdentity(LoginSetup.Scheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user.Id));
        identity.AddClaim(new Claim(BrowserSessions.SessionIdClaim, sessionId));
        identity.AddClaim(new Claim(Claims.Name, user.UserName ?? user.Id));

        // Kept so /connect/authorize can re-check the user (a password change ends the session) and honour max_age.
        identity.AddClaim(new Claim(UserGate.SecurityStampClaim, user.SecurityStamp ?? ""));
        identity.AddClaim(new Claim(LoginSetup.AuthTimeClaim,
            clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        return context.SignInAsync(LoginSetup.Scheme, new ClaimsPrincipal(identity));
    }

    /// <summary>The form's own refusals, before any field is read: a missing or foreign antiforgery token, or no form at all.</summary>
    private static async Task<IResult?> RefuseFormAsync(HttpContext context)
    {
        if (!context.HasValidAntiforgeryToken())
        {
            if (IsUnreadableForm(context))
            {
                // The token may be fine: the framework refuses the whole form (a NUL or other control character, too many fields).
                return await RenderAsync(context, "/", userName: "", UnreadableForm, status: StatusCodes.Status400BadRequest);
            }

            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired or did not come from this site. Reload the page and try again.");
        }

        return context.Request.HasFormContentType
            ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The sign-in form must be posted as a form.");
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

    /// <summary>The page, with a fresh passkey challenge when passkeys are on (each rendering its own, usable once).</summary>
    private static async Task<RazorComponentResult<LoginForm>> RenderAsync(
        HttpContext context, string returnUrl, string userName, string? error, bool confirm = false, int status = StatusCodes.Status200OK)
    {
        var passkeys = context.RequestServices.GetRequiredService<IOptions<PasskeyOptions>>().Value.Enabled
            ? await context.RequestServices.GetRequiredService<PasskeyCeremonies>().BeginSignInAsync(context)
            : null;
        return new(new Dictionary<string, object?>
        {
            [nameof(LoginForm.ReturnUrl)] = returnUrl,
            [nameof(LoginForm.UserName)] = userName,
            [nameof(LoginForm.Error)] = error,
            [nameof(LoginForm.Passkey)] = passkeys,
            [nameof(LoginForm.Confirm)] = confirm,
        })
        { StatusCode = status };
    }
}
