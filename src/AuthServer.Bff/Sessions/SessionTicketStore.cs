using AuthServer.Bff.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AuthServer.Bff.Sessions;

/// <summary>The cookie handler's server-side session store: the cookie carries the row's key, the row carries the rest.</summary>
public sealed class SessionTicketStore(ISessionStore store, SessionTickets tickets, IOptions<AuthServerBffOptions> options, TimeProvider clock,
    AuthorityClient authority, ILogger<SessionTicketStore> logger) : ITicketStore
{
    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var now = clock.GetUtcNow();
        var pruned = await store.PruneAsync(now.ToUnixTimeMilliseconds(), CancellationToken.None);
        if (pruned > 0)
        {
            BffLog.Pruned(logger, pruned);
        }

        var key = SessionTickets.NewKey();
        ticket.Properties.Items[SessionTickets.KeyItem] = key;
        await store.AddAsync(new BffSessionRow
        {
            Key = key,
            Subject = Subject(ticket),
            SessionId = ticket.Principal.FindFirst("sid")?.Value,
            Ticket = tickets.Protect(key, ticket),
            ExpiresAt = Expiry(ticket, now),
        }, CancellationToken.None);
        return key;
    }

    /// <summary>
    /// The cookie handler's call. A request that stores a session and then fails never delivers its cookie, so the row
    /// (refresh token included) would be an orphan nobody can end: it is removed once that failed answer is complete.
    /// </summary>
    public async Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var key = await StoreAsync(ticket);
        httpContext.Response.OnCompleted(async () =>
        {
            var status = httpContext.Response.StatusCode;
            if (status >= StatusCodes.Status500InternalServerError)
            {
                await store.RemoveAsync(key, CancellationToken.None);

                // Nobody holds that refresh token any more; revoking it ends its chain at the server too (RFC 7009).
                var revoked = ticket.Properties.GetTokenValue("refresh_token") is { } refreshToken && await authority.RevokeAsync(refreshToken);
                BffLog.StoredSessionRemoved(logger, Subject(ticket), status, revoked);
            }
        });
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ticket.Properties.Items[SessionTickets.KeyItem] = key;
        await store.ReplaceAsync(key, Subject(ticket), ticket.Principal.FindFirst("sid")?.Value, tickets.Protect(key, ticket),
            Expiry(ticket, clock.GetUtcNow()), CancellationToken.None);
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        var row = await store.FindAsync(key, CancellationToken.None);
        if (row is null)
        {
            return null;
        }

        if (row.ExpiresAt <= clock.GetUtcNow().ToUnixTimeMilliseconds())
        {
            await store.RemoveAsync(key, CancellationToken.None);
            return null;
        }

        return tickets.Unprotect(key, row.Ticket);
    }

    public Task RemoveAsync(string key) => store.RemoveAsync(key, CancellationToken.None);

    /// <summary>Seconds-precision expiry the cookie handler set (ExpireTimeSpan), never later than the configured lifetime.</summary>
    private long Expiry(AuthenticationTicket ticket, DateTimeOffset now)
    {
        var limit = now + options.Value.SessionLifetime;
        var expires = ticket.Properties.ExpiresUtc is { } set && set < limit ? set : limit;
        return expires.ToUnixTimeMilliseconds();
    }

    private static string Subject(AuthenticationTicket ticket) =>
        ticket.Principal.FindFirst("sub")?.Value ?? (ticket.Properties.Items.TryGetValue(SessionTickets.SubjectItem, out var subject) ? subject : null) ?? "";
}
