using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using AuthServer.Bff.Sessions;
using AuthServer.Bff.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace AuthServer.Bff.Endpoints;

/// <summary>The claims the SPA may show: the signed-in user's, never a token.</summary>
public sealed record BffClaim(string Type, string Value);

/// <summary>What the SPA does after a successful logout call: navigate there, so the server can end its own session.</summary>
public sealed record LogoutStarted(string Location);

/// <summary>Login, user and logout: the SPA's whole view of authentication.</summary>
public static class BffEndpoints
{
    /// <summary>How long a logout may wait between its call (tokens already revoked) and the navigation that ends the server session.</summary>
    public static readonly TimeSpan EndingWindow = TimeSpan.FromMinutes(5);

    internal const string IdTokenHintItem = "AuthServer.Bff.IdTokenHint";
    private const int MaxReturnUrlLength = 2048;

    internal static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BffPaths.Root).ExcludeFromDescription();

        // Top-level navigations (a link cannot send the header): login changes nothing until the user signs in at the server.
        group.MapGet("/login", LoginAsync);
        group.MapGet("/logout/end", (Delegate)EndLogoutAsync);
        group.MapGet("/logout/submit.js", () => TypedResults.Text("document.forms[0].submit();", "text/javascript"));

        group.MapGet("/user", (Delegate)UserAsync).AddEndpointFilter(Csrf.RequireHeader);
        group.MapPost("/logout", StartLogoutAsync).AddEndpointFilter(Csrf.RequireHeader);

        // Server to server: authenticated by the logout token's signature, not by a cookie (Back-Channel Logout 1.0 §2.5).
        group.MapPost("/backchannel-logout", BackchannelLogoutReceiver.ReceiveAsync).DisableAntiforgery();
    }

    internal static bool IsSignedIn(AuthenticateResult result) =>
        result is { Succeeded: true, Principal.Identity.IsAuthenticated: true, Properties: { } properties } && !AccessTokens.IsEnding(properties);

    /// <summary>Only a path on this site: `//host` and `/\host` are other sites to a browser (open redirect, RFC 9700 §4.11).</summary>
    public static bool IsLocalReturnUrl(string url) =>
        url.Length is > 0 and <= MaxReturnUrlLength
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    /// <summary>
    /// A local return URL as a Location header can carry it, or null: every character outside printable ASCII is
    /// percent-encoded as UTF-8 (RFC 3986 §2.1), so the redirect that follows a stored session cannot fail on it.
    /// </summary>
    public static string? LocalReturnUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!IsLocalReturnUrl(url))
        {
            return null;
        }

        var encoded = new StringBuilder(url.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var rest = url.AsSpan(); !rest.IsEmpty;)
        {
            // A lone surrogate is not text: no encoding of it means anything.
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done)
            {
                return null;
            }

            rest = rest[consumed..];
            if (rune.Value is > 0x20 and < 0x7F)
            {
                encoded.Append((char)rune.Value);
                continue;
            }

            foreach (var b in utf8[..rune.EncodeToUtf8(utf8)])
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.Length <= MaxReturnUrlLength ? encoded.ToString() : null;
    }

    private static async Task<IResult> LoginAsync(HttpContext context, AuthorityClient authority, ILoggerFactory loggers, string? returnUrl = null)
    {
        context.Response.Headers.CacheControl = "no-store";
        returnUrl = LocalReturnUrl(string.IsNullOrEmpty(returnUrl) ? "/" : returnUrl);
        if (returnUrl is null)
        {
            BffLog.SignInFailed(loggers.CreateLogger(typeof(BffEndpoints)), "return URL not local");
            return BffProblems.ReturnUrl();
        }

        try
        {
            // Discovery first: an unreachable server is a clean answer here, not an exception inside the challenge.
            await authority.ConfigurationAsync(context.RequestAborted);
        }
        catch (Exception ex) when (AuthorityClient.IsOutage(ex))
        {
            BffLog.AuthorityUnavailable(loggers.CreateLogger(typeof(BffEndpoints)), "discovery", ex.GetType().Name);
            return BffProblems.Authority();
        }

        return TypedResults.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [BffSchemes.OpenIdConnect]);
    }

    private static async Task<IResult> UserAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        var result = await context.AuthenticateAsync(BffSchemes.Cookie);
        return IsSignedIn(result)
            ? TypedResults.Ok(result.Principal!.Claims.Select(claim => new BffClaim(claim.Type, claim.Value)).ToList())
            : BffProblems.SignInRequired();
    }

    /// <summary>
    /// Ends everything the BFF holds: the refresh token is revoked at the server (RFC 7009) and the session keeps only the
    /// identity token, as the hint for the navigation that follows (RP-Initiated Logout 1.0 §2).
    /// </summary>
    private static async Task<IResult> StartLogoutAsync(HttpContext context, ISessionStore store, SessionTickets tickets, AuthorityClient authority,
        TimeProvider clock, ILoggerFactory loggers)
    {
        context.Response.Headers.CacheControl = "no-store";
        var result = await context.AuthenticateAsync(BffSchemes.Cookie);
        if (!IsSignedIn(result) || !result.Properties!.Items.TryGetValue(SessionTickets.KeyItem, out var key) || key is null)
        {
            return BffProblems.SignInRequired();
        }

        var logger = loggers.CreateLogger(typeof(BffEndpoints));
        var principal = result.Principal!;
        var subject = principal.FindFirst("sub")?.Value ?? "";
        var revoked = result.Properties.GetTokenValue("refresh_token") is { } refreshToken && await authority.RevokeAsync(refreshToken);

        var properties = new AuthenticationProperties();
        properties.Items[SessionTickets.EndingItem] = "1";
        properties.Items[SessionTickets.SubjectItem] = subject;
        properties.Items[SessionTickets.KeyItem] = key;
        if (result.Properties.GetTokenValue("id_token") is { } idToken)
        {
            properties.StoreTokens([new AuthenticationToken { Name = "id_token", Value = idToken }]);
        }

        var ending = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity()), properties, BffSchemes.Cookie);
        await store.ReplaceAsync(key, subject, principal.FindFirst("sid")?.Value, tickets.Protect(key, ending),
            (clock.GetUtcNow() + EndingWindow).ToUnixTimeMilliseconds(), CancellationToken.None);
        BffLog.SignedOut(logger, subject, revoked);
        return TypedResults.Ok(new LogoutStarted(BffPaths.EndLogout));
    }

    /// <summary>The navigation after a logout call: drops the session and its cookie, then sends the browser to the server's end-session endpoint.</summary>
    private static async Task<IResult> EndLogoutAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        var result = await context.AuthenticateAsync(BffSchemes.Cookie);
        if (!result.Succeeded || !AccessTokens.IsEnding(result.Properties))
        {
            // Nothing was started with the header: a stray or cross-site navigation ends nothing.
            return TypedResults.Redirect("/");
        }

        context.Items[IdTokenHintItem] = result.Properties.GetTokenValue("id_token");
        await context.SignOutAsync(BffSchemes.Cookie);
        return TypedResults.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [BffSchemes.OpenIdConnect]);
    }
}
