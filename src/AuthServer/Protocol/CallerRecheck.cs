using System.Collections.Immutable;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using AuthServer.Clients;
using AuthServer.Persistence;
using AuthServer.Revocation;
using AuthServer.Sessions;
using AuthServer.Users;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace AuthServer.Protocol;

/// <summary>
/// The admin API and the revocation feed accept an access token only while what it was issued on still stands, read
/// again at every request (docs/operations.md, "Who may call the admin API"): here a token reaches permanent
/// credentials (a rotated secret, an unlocked account), so it must not outlive a lock, a demotion or a revocation by
/// its 15 minutes. A user's token needs the user to exist, not be locked, still hold the roles of its scopes
/// (ScopeCatalog's rule) and its grant and browser session to be live; a client's token needs the client to exist with
/// the grant and the scopes, and not to have been revoked as a whole since the token's `iat`. Refused as
/// `invalid_token` (401, RFC 6750 §3.1) before any endpoint runs.
/// </summary>
public sealed class CallerRecheck(AuthDbContext db, UserGate gate, ScopeCatalog catalog) : IOpenIddictValidationHandler<ProcessAuthenticationContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; } = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .UseScopedHandler<CallerRecheck>()
        .SetOrder(HandlerOrder.WellAfter(OpenIddictValidationHandlers.ValidateAccessToken.Descriptor))
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.AccessTokenPrincipal is { } principal && await RefusalAsync(principal, context.CancellationToken) is { } reason)
        {
            context.Reject(Errors.InvalidToken, reason);
        }
    }

    /// <summary>Why the token's caller may no longer act, or null when it may.</summary>
    public async Task<string?> RefusalAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var subject = principal.GetClaim(Claims.Subject);
        var clientId = principal.GetClaim(Claims.ClientId) ?? principal.GetPresenters().FirstOrDefault();
        if (subject is null)
        {
            return "The access token names no subject.";
        }

        // RFC 9068 §2.2: with no user involved the subject is the client (PrincipalFactory.ForClient); user ids are GUIDs.
        return clientId is not null && string.Equals(subject, clientId, StringComparison.Ordinal)
            ? await ClientRefusalAsync(clientId, principal.GetScopes(), IssuedAt(principal), cancellationToken)
            : await UserRefusalAsync(principal, subject, cancellationToken);
    }

    private async Task<string?> UserRefusalAsync(ClaimsPrincipal principal, string userId, CancellationToken cancellationToken)
    {
        // The browser session's end is read in the same statement as the user (UserWithRoles): no round trip of its own.
        var sessionId = principal.GetClaim(BrowserSessions.SessionIdClaim);
        if (await gate.FindActiveAsync(userId, cancellationToken, sessionId) is not { } user)
        {
            return "The user no longer exists or is locked.";
        }

        if (user.SessionEnded)
        {
            return "The browser session this token was issued in has ended.";
        }

        var scopes = principal.GetScopes();
        if (catalog.GrantableTo(scopes, user.Roles).Count() != scopes.Length)
        {
            return "The user no longer holds the role this token's scopes need.";
        }

        var authorizationId = principal.GetAuthorizationId();
        if (authorizationId is null && sessionId is null)
        {
            // OperatorTokenGrant gives every user token with the operator scope a grant, so this is a token from before it.
            return "The access token names no grant that could be revoked; sign in again.";
        }

        return authorizationId is not null && await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().AsNoTracking()
            .Where(a => a.Id == authorizationId).Select(a => a.Status).FirstOrDefaultAsync(cancellationToken) != Statuses.Valid
            ? "The grant this token was issued under was revoked."
            : null;
    }

    private async Task<string?> ClientRefusalAsync(string clientId, ImmutableArray<string> scopes, long? issuedAt, CancellationToken cancellationToken)
    {
        var client = await db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking()
            .Where(a => a.ClientId == clientId).Select(a => new { a.Permissions, a.Properties }).FirstOrDefaultAsync(cancellationToken);
        if (client is null)
        {
            return "The client no longer exists.";
        }

        var permissions = PermissionsOf(client.Permissions);
        if (!permissions.Contains(Permissions.GrantTypes.ClientCredentials)
            || scopes.Any(scope => !permissions.Contains(Permissions.Prefixes.Scope + scope)))
        {
            return "The client may no longer use this token's grant or scopes.";
        }

        // A token without iat cannot show it was issued after the revocation.
        return ClientRevocationStamp.Read(client.Properties) is { } revokedAt && !(issuedAt > revokedAt)
            ? "Everything issued to the client was revoked after this token was issued."
            : null;
    }

    private static HashSet<string> PermissionsOf(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Array
            ? [.. document.RootElement.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
            : [];
    }

    private static long? IssuedAt(ClaimsPrincipal principal) =>
        principal.GetCreationDate()?.ToUnixTimeSeconds()
        ?? (long.TryParse(principal.GetClaim(Claims.IssuedAt), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : null);
}
