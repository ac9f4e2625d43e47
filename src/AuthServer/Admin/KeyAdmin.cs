using System.Security.Claims;
using AuthServer.Contracts.Admin;
using AuthServer.Keys;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Admin;

/// <summary>The signing and encryption keys: list, emergency rotation, revocation (decision 012).</summary>
public static class KeyAdmin
{
    public static RouteGroupBuilder MapKeyAdmin(this RouteGroupBuilder admin)
    {
        admin.MapGet("/keys", ListAsync);
        admin.MapPost("/keys/rotate", RotateAsync);
        admin.MapPost("/keys/{kid}/revoke", RevokeAsync);
        return admin;
    }

    public static async Task<KeyList> ListAsync(KeyRingSource source, ManagedKeys keys, CancellationToken cancellationToken) =>
        source.Source == KeySource.Automatic
            ? new KeyList("automatic", [.. (await keys.ListAsync(cancellationToken)).Select(KeyEntries.From)])
            : new KeyList(source.Source == KeySource.Files ? "files" : "development-folder", [.. KeyEntries.FromFiles(source.Current)]);

    internal static async Task<Results<Ok<KeyList>, ProblemHttpResult>> RotateAsync(
        RotateKeysRequest? request, KeyRingSource source, ManagedKeys keys, ManagedKeyRefresher refresher, ClaimsPrincipal actor,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (NotAutomatic(source) is { } refused)
        {
            return refused;
        }

        if (request?.Use is { } use && !KeyUses.All.Contains(use, StringComparer.Ordinal))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown key use",
                detail: $"use must be one of {string.Join(", ", KeyUses.All)}, or absent for all three.");
        }

        AdminAudit.Action(loggers, actor, "rotate-keys", request?.Use ?? "all");
        var rotated = await keys.RotateNowAsync(request?.Use is { } one ? [one] : KeyUses.All, "operator " + actor.Actor(), cancellationToken);
        await refresher.RefreshNowAsync(cancellationToken);
        return TypedResults.Ok(new KeyList("automatic", [.. rotated.Select(KeyEntries.From)]));
    }

    internal static async Task<Results<Ok<KeyEntry>, ProblemHttpResult>> RevokeAsync(
        string kid, KeyRingSource source, ManagedKeys keys, ManagedKeyRefresher refresher, ClaimsPrincipal actor,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (NotAutomatic(source) is { } refused)
        {
            return refused;
        }

        AdminAudit.Action(loggers, actor, "revoke-key", kid);
        if (await keys.RevokeAsync(kid, "operator " + actor.Actor(), cancellationToken) is not { } revoked)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown key", detail: "No managed key has this kid.");
        }

        // This instance at once; the others within Keys:RefreshInterval.
        await refresher.RefreshNowAsync(cancellationToken);
        return TypedResults.Ok(KeyEntries.From(revoked));
    }

    private static ProblemHttpResult? NotAutomatic(KeyRingSource source) => source.Source == KeySource.Automatic
        ? null
        : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Keys come from files",
            detail: "Rotation and revocation apply to automatic keys; key files are rotated by hand (docs/operations.md, \"Key files\").");
}
