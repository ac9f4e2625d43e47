using System.Security.Claims;
using AuthServer.Contracts.Admin;
using AuthServer.Observability;
using AuthServer.Persistence;
using AuthServer.Revocation;
using AuthServer.Sessions;
using AuthServer.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Admin;

/// <summary>
/// Users as operators see them. `{user}` is an id, a user name or an email, told apart by shape (<see cref="UserKeys"/>). Locking, resetting a password and
/// deleting revoke the user's sessions through <see cref="RevokingUserManager"/>; revoke-tokens does it on its own.
/// One endpoint per verb of the user resource, each short; together a little above the usual file length.
/// </summary>
public static class UserAdmin
{
    public static RouteGroupBuilder MapUserAdmin(this RouteGroupBuilder admin)
    {
        var users = admin.MapGroup("/users");
        users.MapGet("/", ListAsync);
        users.MapPost("/", CreateAsync);
        users.MapGet("/{user}", GetAsync);
        users.MapDelete("/{user}", DeleteAsync);
        users.MapPost("/{user}/reset-password", ResetPasswordAsync);
        users.MapPost("/{user}/lock", LockAsync);
        users.MapPost("/{user}/unlock", UnlockAsync);
        users.MapPost("/{user}/revoke-tokens", RevokeTokensAsync);
        users.MapGet("/{user}/sessions", SessionsAsync);
        users.MapGet("/{user}/browser-sessions", BrowserSessionsAsync);
        return admin;
    }

    private static async Task<Results<Ok<Page<UserView>>, ValidationProblem>> ListAsync(
        AuthDbContext db, TimeProvider clock, IOptions<AdminOptions> options, string? search, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options.Value) is { } invalid)
        {
            return invalid;
        }

        var (number, size, skip) = Paging.Resolve(page, pageSize, options.Value);
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var normalized = search.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedUserName!.Contains(normalized) || u.NormalizedEmail!.Contains(normalized));
        }

        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderBy(u => u.NormalizedUserName).Skip(skip).Take(size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<UserView>([.. rows.Select(u => View(u, clock))], number, size, total));
    }

    private static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateUserRequest request, UserManager<IdentityUser> users, TimeProvider clock, ClaimsPrincipal actor, ILoggerFactory loggers)
    {
        // Required (and not blank) was checked by the framework's validation before this ran.
        ArgumentException.ThrowIfNullOrWhiteSpace(request.UserName);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Password);
        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        var user = new IdentityUser { UserName = request.UserName.Trim(), Email = email, EmailConfirmed = email is not null };
        IdentityResult result;
        try
        {
            result = await users.CreateAsync(user, request.Password);
        }
        catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
        {
            // Another creation with this name or e-mail passed the same check at the same moment; the unique indexes decided.
            return Taken();
        }

        if (!result.Succeeded)
        {
            return result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.DuplicateEmail))
                ? Taken()
                : Problem(result);
        }

        AdminAudit.Action(loggers, actor, "user-created", user.Id);
        return TypedResults.Created($"{AdminSetup.Prefix}/users/{user.Id}", View(user, clock));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetAsync(string user, UserManager<IdentityUser> users, TimeProvider clock) =>
        await FindAsync(users, user) is { } found ? TypedResults.Ok(View(found, clock)) : UnknownUser();

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> DeleteAsync(
        string user, UserManager<IdentityUser> users, ClaimsPrincipal actor, ILoggerFactory loggers)
    {
        if (await FindAsync(users, user) is not { } found)
        {
            return UnknownUser();
        }

        var result = await users.DeleteAsync(found);
        if (!result.Succeeded)
        {
            return Problem(result);
        }

        AdminAudit.Action(loggers, actor, "user-deleted", found.Id);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> ResetPasswordAsync(
        string user, ResetPasswordRequest request, UserManager<IdentityUser> users, ClaimsPrincipal actor, ILoggerFactory loggers)
    {
        if (await FindAsync(users, user) is not { } found)
        {
            return UnknownUser();
        }

        ArgumentException.ThrowIfNullOrEmpty(request.Password);
        var result = await users.ResetPasswordAsync(found, await users.GeneratePasswordResetTokenAsync(found), request.Password);
        if (!result.Succeeded)
        {
            return Problem(result);
        }

        AdminAudit.Action(loggers, actor, "password-reset", found.Id);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> LockAsync(
        string user, UserManager<IdentityUser> users, ClaimsPrincipal actor, ILoggerFactory loggers)
    {
        if (await FindAsync(users, user) is not { } found)
        {
            return UnknownUser();
        }

        await users.SetLockoutEnabledAsync(found, true);
        var result = await users.SetLockoutEndDateAsync(found, DateTimeOffset.MaxValue);
        if (!result.Succeeded)
        {
            return Problem(result);
        }

        AdminAudit.Action(loggers, actor, "user-locked", found.Id);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> UnlockAsync(
        string user, UserManager<IdentityUser> users, Throttling.SignInThrottle throttle, ClaimsPrincipal actor, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await FindAsync(users, user) is not { } found)
        {
            return UnknownUser();
        }

        // A locked operator's token is refused before this runs (CallerRecheck); this also stops an unlock of oneself
        // already in flight when the lock lands from undoing it.
        if (string.Equals(found.Id, actor.GetClaim(Claims.Subject), StringComparison.Ordinal))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your own account",
                detail: "An operator cannot unlock their own account; another operator must.");
        }

        var result = await users.SetLockoutEndDateAsync(found, null);
        if (!result.Succeeded)
        {
            return Problem(result);
        }

        // Also the relief for a user slowed by someone else's guessing: the account's back-off is forgotten.
        await throttle.ForgetAccountAsync(found.Id, cancellationToken);

        AdminAudit.Action(loggers, actor, "user-unlocked", found.Id);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<RevocationCounts>, ProblemHttpResult>> RevokeTokensAsync(
        string user, UserManager<IdentityUser> users, TokenRevoker revoker, AuthMetrics metrics, ClaimsPrincipal actor, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await FindAsync(users, user) is not { } found)
        {
            return UnknownUser();
        }

        var counts = await revoker.RevokeUserAsync(found.Id, "operator", cancellationToken);
        AdminAudit.Revoked(loggers, metrics, actor, "user", found.Id, counts);
        return TypedResults.Ok(counts);
    }

    private static async Task<Results<Ok<Page<SessionView>>, ProblemHttpResult, ValidationProblem>> SessionsAsync(
        string user, UserManager<IdentityUser> users, AuthDbContext db, IOptions<AdminOptions> options, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options.Value) is { } invalid)
        {
            return invalid;
        }

        if (await FindAsync(users, user) is not { } found)
        {
            return UnknownUser();
        }

        var (number, size, skip) = Paging.Resolve(page, pageSize, options.Value);
        var total = await BrowserSessions.LiveAuthorizations(db, found.Id).CountAsync(cancellationToken);
        var sessions = await BrowserSessions.LiveChains(db, found.Id, skip, size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<SessionView>(sessions, number, size, total));
    }

    private static async Task<Results<Ok<Page<BrowserSessionView>>, ProblemHttpResult, ValidationProblem>> BrowserSessionsAsync(
        string user, UserManager<IdentityUser> users, BrowserSessions sessions, AuthDbContext db, IOptions<AdminOptions> options, int? page, int? pageSize,
        CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options.Value) is { } invalid)
        {
            return invalid;
        }

        if (await FindAsync(users, user) is not { } found)
        {
            return UnknownUser();
        }

        var (number, size, skip) = Paging.Resolve(page, pageSize, options.Value);
        var total = await db.BrowserSessions.CountAsync(s => s.UserId == found.Id, cancellationToken);
        var rows = await sessions.ListAsync(found.Id, skip, size, cancellationToken);
        var views = rows.Select(s => new BrowserSessionView(
            s.Id, s.ClientId, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.SourceAddress, s.UserAgent, s.EndedAt, s.EndReason,
            [.. s.Grants.Select(g => g.AuthorizationId)])).ToList();
        return TypedResults.Ok(new Page<BrowserSessionView>(views, number, size, total));
    }

    internal static Task<IdentityUser?> FindAsync(UserManager<IdentityUser> users, string key) => UserKeys.FindAsync(users, key);

    /// <summary>The key is not repeated: an answer never echoes what the caller sent (it could be markup or a very long string).</summary>
    internal static ProblemHttpResult UnknownUser() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown user", detail: "No user has this id, user name or email.");

    /// <summary>RFC 9110 §15.5.10: the name or e-mail belongs to another user, whoever won the race for it.</summary>
    private static ProblemHttpResult Taken() => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Taken", detail: "Another user has this user name or e-mail address.");

    private static ValidationProblem Problem(IdentityResult result) => TypedResults.ValidationProblem(
        result.Errors.GroupBy(e => e.Code).ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));

    private static UserView View(IdentityUser user, TimeProvider clock) =>
        new(user.Id, user.UserName, user.Email, user.LockoutEnd > clock.GetUtcNow(), user.LockoutEnd);

}
