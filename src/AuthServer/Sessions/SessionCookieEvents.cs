using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace AuthServer.Sessions;

/// <summary>
/// Every use of the login cookie is checked against its session row: an ended, expired or idle session is refused
/// and the cookie removed, whatever the cookie's own expiry says. This is what lets an operator end a session.
/// </summary>
public sealed class SessionCookieEvents(BrowserSessions sessions) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirst(BrowserSessions.SessionIdClaim)?.Value;
        if (await sessions.FindLiveAsync(id, context.HttpContext.RequestAborted) is not { } session)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(context.Scheme.Name);
            return;
        }

        await sessions.TouchAsync(session, context.HttpContext.RequestAborted);
    }
}
