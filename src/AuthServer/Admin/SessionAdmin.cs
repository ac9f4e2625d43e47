using System.Security.Claims;
using AuthServer.Contracts.Admin;
using AuthServer.Observability;
using AuthServer.Persistence;
using AuthServer.Revocation;
using AuthServer.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Admin;

/// <summary>Revocation of one session (authorization and its tokens) or of everything issued to a client.</summary>
public static class SessionAdmin
{
    public static RouteGroupBuilder MapSessionAdmin(this RouteGroupBuilder admin)
    {
        admin.MapDelete("/sessions/{id}", RevokeSessionAsync);
        admin.MapPost("/clients/{clientId}/revoke-tokens", RevokeClientAsync);
        return admin;
    }

    /// <summary>
    /// A browser session or one refresh-token chain. Either way the whole sign-in ends: the browser session (so the
    /// cookie cannot mint new codes) and every chain issued inside it; a chain from the password grant ends alone.
    /// </summary>
    internal static async Task<Results<Ok<RevocationCounts>, ProblemHttpResult>> RevokeSessionAsync(
        string id, AuthDbContext db, TokenRevoker revoker, BrowserSessions sessions, AuthMetrics metrics, ClaimsPrincipal actor, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var browserSession = await db.BrowserSessions.AnyAsync(s => s.Id == id, cancellationToken)
            ? id
            : await sessions.SessionOfAsync(id, cancellationToken);
        if (browserSession is null && !await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().AnyAsync(a => a.Id == id, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown session", detail: "No session has this id.");
        }

        var counts = browserSession is null
            ? await revoker.RevokeSessionAsync(id, "operator", cancellationToken)
            : await sessions.EndAsync(browserSession, "operator", cancellationToken);
        AdminAudit.Revoked(loggers, metrics, actor, "session", id, counts);
        return TypedResults.Ok(counts);
    }

    internal static async Task<Results<Ok<RevocationCounts>, ProblemHttpResult>> RevokeClientAsync(
        string clientId, IOpenIddictApplicationManager applications, TokenRevoker revoker, AuthMetrics metrics, ClaimsPrincipal actor, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown client", detail: "No client has this id.");
        }

        RevocationCounts counts;
        try
        {
            counts = await revoker.RevokeClientAsync(clientId, cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Client changed meanwhile", detail: "Other changes to the client kept winning the race; try again.");
        }

        AdminAudit.Revoked(loggers, metrics, actor, "client", clientId, counts);
        return TypedResults.Ok(counts);
    }
}
